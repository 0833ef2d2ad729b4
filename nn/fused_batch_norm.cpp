// Batch statistics and fused batch normalisation in training mode: one pass for the output
// after the statistics; the backward is the closed form over the normalised input it keeps.
#include <cmath>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/fused_ops.hpp"
#include "xtgrad/nn/recomputed_rules.hpp"

namespace xtgrad::nn {

namespace {

/// x as (N, C, S): S is the product of the axes after the channels.
struct ChannelLayout {
    std::size_t n, c, s;
    std::size_t count() const { return n * s; }
    /// Calls f(first, size) for every contiguous run of channel k's values.
    template <class F>
    void for_each_run(std::size_t k, F&& f) const {
        for (std::size_t i = 0; i < n; ++i) f((i * c + k) * s, s);
    }
};

ChannelLayout channel_layout(const Shape& shape) {
    if (shape.size() < 2)
        throw ShapeError("batch_norm", shape, "needs (N, C, ...) with the channels on axis 1");
    std::size_t s = 1;
    for (std::size_t axis = 2; axis < shape.size(); ++axis) s *= shape[axis];
    const ChannelLayout layout{shape[0], shape[1], s};
    if (layout.count() < 2)
        throw ShapeError("batch_norm", shape,
                         "needs more than one value per channel in training mode");
    return layout;
}

void check_per_channel(const char* what, const Shape& shape, const Shape& input) {
    if (shape != Shape{input[1]})
        throw ShapeError("batch_norm", input, shape,
                         std::string(what) + " needs one entry per channel (axis 1)");
}

}  // namespace

template <class T>
BatchStatistics<T> batch_statistics(const Array<T>& x) {
    const ChannelLayout layout = channel_layout(x.shape());
    const T* in = x.data();
    const double count = static_cast<double>(layout.count());
    BatchStatistics<T> out{empty_array<T>({layout.c}), empty_array<T>({layout.c}), layout.count()};
    for (std::size_t k = 0; k < layout.c; ++k) {
        double total = 0;
        layout.for_each_run(k, [&](std::size_t first, std::size_t size) {
            for (std::size_t i = first; i < first + size; ++i) total += in[i];
        });
        const double mean = total / count;
        double squares = 0;
        layout.for_each_run(k, [&](std::size_t first, std::size_t size) {
            for (std::size_t i = first; i < first + size; ++i)
                squares += (in[i] - mean) * (in[i] - mean);
        });
        out.mean[k] = static_cast<T>(mean);
        out.variance[k] = static_cast<T>(squares / count);
    }
    return out;
}

namespace fused {

template <class T>
Tensor<T> batch_norm(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias, T eps,
                     BatchStatistics<T>* statistics) {
    const ChannelLayout layout = channel_layout(x.shape());
    if (weight.defined()) check_per_channel("weight", weight.shape(), x.shape());
    if (bias.defined()) check_per_channel("bias", bias.shape(), x.shape());
    BatchStatistics<T> batch = batch_statistics(x.value());
    auto inverse_std = std::make_shared<std::vector<T>>(layout.c);
    for (std::size_t k = 0; k < layout.c; ++k)
        (*inverse_std)[k] = T(1) / std::sqrt(batch.variance[k] + eps);
    const T* in = x.value().data();
    // The normalised input, kept for the backward; then the affine map.
    auto normalised = std::make_shared<Array<T>>(empty_array<T>(x.shape()));
    Array<T> y = empty_array<T>(x.shape());
    for (std::size_t k = 0; k < layout.c; ++k) {
        const T mu = batch.mean[k], scale = (*inverse_std)[k];
        const T w = weight.defined() ? weight.value()[k] : T(1);
        const T b = bias.defined() ? bias.value()[k] : T(0);
        layout.for_each_run(k, [&](std::size_t first, std::size_t size) {
            for (std::size_t i = first; i < first + size; ++i) {
                const T hat = (in[i] - mu) * scale;
                normalised->data()[i] = hat;
                y.data()[i] = hat * w + b;
            }
        });
    }
    if (statistics) *statistics = std::move(batch);

    const bool has_weight = weight.defined(), has_bias = bias.defined();
    auto backward = [layout, normalised, inverse_std, has_weight, has_bias,
                     w = has_weight ? weight.value() : Array<T>()](BackwardContext<T>& ctx) {
        const T* go = ctx.grad_output().data();
        const T* hat = normalised->data();
        const T m = static_cast<T>(layout.count());
        const std::size_t bias_input = has_weight ? 2 : 1;
        std::optional<GradSlot<T>> dx, dw, db;
        if (ctx.needs_grad(0)) dx.emplace(ctx.slot(0));
        if (has_weight && ctx.needs_grad(1)) dw.emplace(ctx.slot(1));
        if (has_bias && ctx.needs_grad(bias_input)) db.emplace(ctx.slot(bias_input));
        for (std::size_t k = 0; k < layout.c; ++k) {
            T sum_dy = 0, sum_dy_hat = 0;
            layout.for_each_run(k, [&](std::size_t first, std::size_t size) {
                for (std::size_t i = first; i < first + size; ++i) {
                    sum_dy += go[i];
                    sum_dy_hat += go[i] * hat[i];
                }
            });
            // A fresh slot holds garbage: assign, never scale it by zero (NaN * 0).
            if (dw) dw->data()[k] = dw->accumulate ? dw->data()[k] + sum_dy_hat : sum_dy_hat;
            if (db) db->data()[k] = db->accumulate ? db->data()[k] + sum_dy : sum_dy;
            if (!dx) continue;
            const T factor = (has_weight ? w[k] : T(1)) * (*inverse_std)[k] / m;
            T* out = dx->data();
            const bool add = dx->accumulate;
            layout.for_each_run(k, [&](std::size_t first, std::size_t size) {
                for (std::size_t i = first; i < first + size; ++i) {
                    const T g = factor * (m * go[i] - sum_dy - hat[i] * sum_dy_hat);
                    out[i] = add ? out[i] + g : g;
                }
            });
        }
    };
    const auto composed_form = [eps, has_weight, has_bias](const std::vector<Tensor<T>>& v) {
        return composed::batch_norm(v[0], has_weight ? v[1] : Tensor<T>(),
                                    has_bias ? v[has_weight ? 2 : 1] : Tensor<T>(), eps);
    };
    // The inputs are x, then weight and bias where defined.
    const auto finish = [&](std::initializer_list<Tensor<T>> inputs) {
        if (!needs_rules(inputs)) return unrecorded_result(op_info::batch_norm, std::move(y));
        return record_op(op_info::batch_norm, std::move(y), inputs, std::move(backward),
                         recomputed_backward<T>(composed_form),
                         recomputed_tangent<T>(composed_form));
    };
    if (has_weight && has_bias) return finish({x, weight, bias});
    if (has_weight) return finish({x, weight});
    if (has_bias) return finish({x, bias});
    return finish({x});
}

}  // namespace fused

#define XTGRAD_INSTANTIATE(T)                                                                     \
    template BatchStatistics<T> batch_statistics(const Array<T>&);                                \
    template Tensor<T> fused::batch_norm(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T, \
                                         BatchStatistics<T>*);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
