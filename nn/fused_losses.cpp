// Fused losses (mean over the batch): one pass over the logits forward, one backward. The
// backward recomputes what it needs from the logits (1 000 exponentials for a batch of 100), so
// nothing but the labels is saved, and nothing at all under NoGradGuard.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/vector_math.hpp"
#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/fused_ops.hpp"
#include "xtgrad/nn/recomputed_rules.hpp"

namespace xtgrad::nn::fused {

namespace {

/// Logits must be (N, C) with N > 0 and one label per row, each in 0..C-1.
template <class T>
void check_logits(std::string_view op, const Array<T>& logits, std::span<const Label> labels) {
    if (logits.dimension() != 2 || logits.shape(0) == 0 || logits.shape(0) != labels.size())
        throw ShapeError(op, logits.shape(), Shape{labels.size()},
                         "needs logits (N, C) with N > 0 and N labels");
    check_labels(op, labels, logits.shape(1));
}

template <class T>
void check_targets(std::string_view op, const Tensor<T>& logits, const Tensor<T>& targets) {
    if (logits.dimension() != 2 || logits.shape()[0] == 0 || targets.shape() != logits.shape())
        throw ShapeError(op, logits.shape(), targets.shape(),
                         "needs logits (N, C) with N > 0 and targets of the same shape");
    if (targets.requires_grad())
        throw std::invalid_argument(std::string(op) +
                                    ": targets are constants and must not require a gradient");
}

template <class T>
Array<T> scalar_array(T value) {
    Array<T> out = empty_array<T>(Shape{});
    out.data()[0] = value;
    return out;
}

/// The softmax of every row of (rows, cols) logits, max-shifted: exp(x_nk - top_n) and the
/// row's total = sum_k of them, summed in column order. The exponentials run a batch at a time on
/// the vector exp (vector_math.hpp; 1 000 libm calls per batch of 100 cost more than the rest of
/// the loss), into buffers the thread keeps, so that a step allocates nothing here.
template <class T>
struct ShiftedSoftmax {
    std::vector<T> top;    // each row's maximum
    std::vector<T> total;  // each row's sum of exps
    std::vector<T> exps;   // row-major, like the logits

    ShiftedSoftmax& of(const Array<T>& x) {
        const std::size_t rows = x.shape(0);
        const std::size_t cols = x.shape(1);
        top.resize(rows);
        total.resize(rows);
        exps.resize(rows * cols);
        for (std::size_t n = 0; n < rows; ++n) {
            const T* row = x.data() + n * cols;
            top[n] = -std::numeric_limits<T>::infinity();
            for (std::size_t k = 0; k < cols; ++k) top[n] = std::max(top[n], row[k]);
            for (std::size_t k = 0; k < cols; ++k) exps[n * cols + k] = row[k] - top[n];
        }
        vmath::exp(exps.data(), exps.data(), exps.size());
        for (std::size_t n = 0; n < rows; ++n) {
            T sum = 0;
            for (std::size_t k = 0; k < cols; ++k) sum += exps[n * cols + k];
            total[n] = sum;
        }
        return *this;
    }
    /// log sum_k exp(x_nk), finite for logits of any size.
    T log_sum_exp(std::size_t n) const { return top[n] + std::log(total[n]); }
};

/// This thread's ShiftedSoftmax, computed for x.
template <class T>
const ShiftedSoftmax<T>& shifted_softmax(const Array<T>& x) {
    thread_local ShiftedSoftmax<T> buffers;
    return buffers.of(x);
}

/// Writes (or adds) scale * (softmax(x_n) * mass_n - t_n) for every row n, where t is given by
/// target(n, k) and mass_n = sum_k t_nk. softmax = exp(x - max) / total, as the forward had it.
template <class T, class Target>
void softmax_gradient(GradSlot<T> slot, const Array<T>& x, T scale, Target target) {
    const std::size_t rows = x.shape(0);
    const std::size_t cols = x.shape(1);
    const ShiftedSoftmax<T>& shifted = shifted_softmax(x);
    T* d = slot.data();
    for (std::size_t n = 0; n < rows; ++n) {
        T mass = 0;
        for (std::size_t k = 0; k < cols; ++k) mass += target(n, k);
        for (std::size_t k = 0; k < cols; ++k) {
            const T g =
                scale * (shifted.exps[n * cols + k] / shifted.total[n] * mass - target(n, k));
            d[n * cols + k] = slot.accumulate ? d[n * cols + k] + g : g;
        }
    }
}

std::vector<Label> copy_of(std::span<const Label> labels) {
    return {labels.begin(), labels.end()};
}

}  // namespace

template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, std::span<const Label> labels) {
    const Array<T>& x = logits.value();
    check_logits("euclidean_loss", x, labels);
    const std::size_t rows = x.shape(0);
    const std::size_t cols = x.shape(1);
    T total = 0;
    for (std::size_t n = 0; n < rows; ++n)
        for (std::size_t k = 0; k < cols; ++k) {
            const T d =
                x.data()[n * cols + k] - (static_cast<std::size_t>(labels[n]) == k ? T(1) : T(0));
            total += d * d;
        }
    Array<T> loss = scalar_array(total / T(2 * rows));
    if (!needs_rules({logits})) return unrecorded_result(op_info::euclidean_loss, std::move(loss));
    const auto composed_form = [picked = copy_of(labels)](const std::vector<Tensor<T>>& in) {
        return composed::euclidean_loss(in[0], std::span<const Label>(picked));
    };
    return record_op(
        op_info::euclidean_loss, std::move(loss), {logits},
        [logits, picked = copy_of(labels)](BackwardContext<T>& ctx) {  // (x - t) / N
            const Array<T>& xv = logits.value();
            const std::size_t n_cols = xv.shape(1);
            const T scale = ctx.grad_output().data()[0] / T(xv.shape(0));
            detail::assign_or_add(ctx.slot(0), [&](std::size_t i) {
                const bool hot = static_cast<std::size_t>(picked[i / n_cols]) == i % n_cols;
                return scale * (xv.data()[i] - (hot ? T(1) : T(0)));
            });
        },
        recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

template <class T>
Tensor<T> euclidean_loss(const Tensor<T>& logits, const Tensor<T>& targets) {
    check_targets("euclidean_loss", logits, targets);
    const Array<T>& x = logits.value();
    const Array<T>& t = targets.value();
    T total = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const T d = x.data()[i] - t.data()[i];
        total += d * d;
    }
    const auto composed_form = [](const std::vector<Tensor<T>>& in) {
        return composed::euclidean_loss(in[0], in[1]);
    };
    return record_op(
        op_info::euclidean_loss, scalar_array(total / T(2 * x.shape(0))), {logits, targets},
        [logits, targets](BackwardContext<T>& ctx) {
            const Array<T>& xv = logits.value();
            const Array<T>& tv = targets.value();
            const T scale = ctx.grad_output().data()[0] / T(xv.shape(0));
            detail::assign_or_add(
                ctx.slot(0), [&](std::size_t i) { return scale * (xv.data()[i] - tv.data()[i]); });
        },
        recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, std::span<const Label> labels) {
    const Array<T>& x = logits.value();
    check_logits("softmax_cross_entropy", x, labels);
    const std::size_t rows = x.shape(0);
    const std::size_t cols = x.shape(1);
    const ShiftedSoftmax<T>& shifted = shifted_softmax(x);
    T total = 0;
    for (std::size_t n = 0; n < rows; ++n)
        total += shifted.log_sum_exp(n) - x.data()[n * cols + static_cast<std::size_t>(labels[n])];
    Array<T> loss = scalar_array(total / T(rows));
    if (!needs_rules({logits}))
        return unrecorded_result(op_info::softmax_cross_entropy, std::move(loss));
    // Second order and tangents through d loss / d x = (softmax(x) - onehot) / N, tensor ops.
    return record_op(
        op_info::softmax_cross_entropy, std::move(loss), {logits},
        [logits, picked = copy_of(labels)](BackwardContext<T>& ctx) {  // (softmax - onehot) / N
            const T scale = ctx.grad_output().data()[0] / T(picked.size());
            softmax_gradient(ctx.slot(0), logits.value(), scale, [&](std::size_t n, std::size_t k) {
                return static_cast<std::size_t>(picked[n]) == k ? T(1) : T(0);
            });
        },
        [picked = copy_of(labels), cols](GraphBackwardContext<T>& ctx) {
            const Tensor<T> onehot = one_hot<T>(picked, cols);
            ctx.accumulate(
                0, (softmax(ctx.input(0)) - onehot) * (ctx.grad_output() / T(picked.size())));
        },
        [labels, cols](const TangentContext<T>& ctx) {
            const Tensor<T> onehot = one_hot<T>(labels, cols);
            return sum((softmax(ctx.input(0)) - onehot) * ctx.tangent(0)) / T(labels.size());
        });
}

template <class T>
Tensor<T> softmax_cross_entropy(const Tensor<T>& logits, const Tensor<T>& targets) {
    check_targets("softmax_cross_entropy", logits, targets);
    const Array<T>& x = logits.value();
    const Array<T>& t = targets.value();
    const std::size_t rows = x.shape(0);
    const std::size_t cols = x.shape(1);
    const ShiftedSoftmax<T>& shifted = shifted_softmax(x);
    T total = 0;
    for (std::size_t n = 0; n < rows; ++n) {
        const T lse = shifted.log_sum_exp(n);
        for (std::size_t k = 0; k < cols; ++k)
            total -= t.data()[n * cols + k] * (x.data()[n * cols + k] - lse);
    }
    const auto composed_form = [](const std::vector<Tensor<T>>& in) {
        return composed::softmax_cross_entropy(in[0], in[1]);
    };
    return record_op(
        op_info::softmax_cross_entropy, scalar_array(total / T(rows)), {logits, targets},
        [logits, targets](BackwardContext<T>& ctx) {  // (softmax * sum_k t_k - t) / N
            const Array<T>& tv = targets.value();
            const std::size_t n_cols = tv.shape(1);
            const T scale = ctx.grad_output().data()[0] / T(tv.shape(0));
            softmax_gradient(ctx.slot(0), logits.value(), scale, [&](std::size_t n, std::size_t k) {
                return tv.data()[n * n_cols + k];
            });
        },
        recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

template <class T>
Tensor<T> hinge_loss(const Tensor<T>& logits, std::span<const Label> labels, T margin) {
    const Array<T>& x = logits.value();
    check_logits("hinge_loss", x, labels);
    const std::size_t rows = x.shape(0);
    const std::size_t cols = x.shape(1);
    T total = 0;
    for (std::size_t n = 0; n < rows; ++n) {
        const T* row = x.data() + n * cols;
        const std::size_t y = static_cast<std::size_t>(labels[n]);
        for (std::size_t k = 0; k < cols; ++k)
            if (k != y) total += std::max(T(0), margin - row[y] + row[k]);
    }
    Array<T> loss = scalar_array(total / T(rows));
    if (!needs_rules({logits})) return unrecorded_result(op_info::hinge_loss, std::move(loss));
    const auto composed_form = [picked = copy_of(labels),
                                margin](const std::vector<Tensor<T>>& in) {
        return composed::hinge_loss(in[0], std::span<const Label>(picked), margin);
    };
    return record_op(
        op_info::hinge_loss, std::move(loss), {logits},
        [logits, picked = copy_of(labels), margin](BackwardContext<T>& ctx) {
            // d/dx_k = [margin - x_y + x_k > 0] for k != y; d/dx_y = -(number of
            // active k).
            const Array<T>& xv = logits.value();
            const std::size_t n_rows = xv.shape(0);
            const std::size_t n_cols = xv.shape(1);
            const T scale = ctx.grad_output().data()[0] / T(n_rows);
            auto slot = ctx.slot(0);
            T* d = slot.data();
            if (!slot.accumulate) std::fill(d, d + xv.size(), T(0));
            for (std::size_t n = 0; n < n_rows; ++n) {
                const T* row = xv.data() + n * n_cols;
                T* drow = d + n * n_cols;
                const std::size_t y = static_cast<std::size_t>(picked[n]);
                T active = 0;
                for (std::size_t k = 0; k < n_cols; ++k) {
                    if (k != y && margin - row[y] + row[k] > T(0)) {
                        drow[k] += scale;
                        active += 1;
                    }
                }
                drow[y] -= scale * active;
            }
        },
        recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

#define XTGRAD_INSTANTIATE(T)                                                           \
    template Tensor<T> euclidean_loss(const Tensor<T>&, std::span<const Label>);        \
    template Tensor<T> euclidean_loss(const Tensor<T>&, const Tensor<T>&);              \
    template Tensor<T> softmax_cross_entropy(const Tensor<T>&, std::span<const Label>); \
    template Tensor<T> softmax_cross_entropy(const Tensor<T>&, const Tensor<T>&);       \
    template Tensor<T> hinge_loss(const Tensor<T>&, std::span<const Label>, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn::fused
