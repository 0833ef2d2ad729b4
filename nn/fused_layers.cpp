// Fused linear, sigmoid and GeLU: hand-written forward and backward, one tape node each.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <type_traits>
#include <vector>

#include "xtgrad/autograd/blas.hpp"
#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/graph_rules.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/vector_math.hpp"
#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/fused_ops.hpp"
#include "xtgrad/nn/recomputed_rules.hpp"

namespace xtgrad::nn {

namespace {
#define XTGRAD_NN_OP_ADDRESS(id) &op_info::id,
constexpr std::array kFusedOps{XTGRAD_NN_FUSED_OPS(XTGRAD_NN_OP_ADDRESS)};
#undef XTGRAD_NN_OP_ADDRESS
}  // namespace

std::span<const OpInfo* const> fused_ops() {
    return kFusedOps;
}

namespace fused {

template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias) {
    const Array<T>& xv = x.value();
    const Array<T>& wv = weight.value();
    if (xv.dimension() != 2 || wv.dimension() != 2 || xv.shape(1) != wv.shape(0))
        throw ShapeError("linear", xv.shape(), wv.shape(),
                         "needs input (N, in) and weight (in, out)");
    const bool has_bias = bias.defined();
    const std::size_t rows = xv.shape(0);
    const std::size_t cols = wv.shape(1);
    if (has_bias && (bias.dimension() != 1 || bias.shape()[0] != cols))
        throw ShapeError("linear", bias.shape(), wv.shape(),
                         "bias needs one entry per output column of the weight");

    Array<T> y = empty_array<T>({rows, cols});
    if (std::is_same_v<T, float> && blas::backend_of<T>() == blas::Backend::openblas) {
        // OpenBLAS's sgemm (0.3.21: Zen kernels on a Zen 1, SkylakeX kernels on a Xeon) computes
        // this product 15-40% faster as y^T = W^T x^T (bench/README.md); oneDNN's does not (the
        // direct form is 25% faster there). The transpose back into y carries the bias add. A
        // rule per backend, not a timed choice: the two formulations round differently. The
        // scratch buffer is reused, so a forward allocates only its output.
        thread_local std::vector<T> scratch;
        scratch.resize(std::max(scratch.size(), rows * cols));
        blas::gemm("linear", wv, true, xv, true, scratch.data(), scratch.size());
        const T* yt = scratch.data();
        const T* b = has_bias ? bias.value().data() : nullptr;
        T* out = y.data();
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < cols; ++j)
                out[r * cols + j] = yt[j * rows + r] + (b ? b[j] : T(0));
    } else {
        // y = b (broadcast over rows), then y += x W in the same gemm call (beta = 1): the bias
        // add rides on the product's own pass over y.
        if (has_bias) {
            const T* b = bias.value().data();
            for (std::size_t r = 0; r < rows; ++r) std::copy(b, b + cols, y.data() + r * cols);
        }
        blas::gemm("linear", xv, false, wv, false, y, T(1), has_bias ? T(1) : T(0),
                   forward_product_split(weight));
    }

    auto backward = [x, weight, has_bias, cols](BackwardContext<T>& ctx) {
        const Array<T>& g = ctx.grad_output();
        matmul_backward("linear backward", ctx, x, 0, weight, 1);  // dx = G W^T, dW = x^T G
        if (has_bias && ctx.needs_grad(2)) {                       // db = sum over rows of G
            auto slot = ctx.slot(2);
            T* db = slot.data();
            if (!slot.accumulate) std::fill(db, db + cols, T(0));
            const T* gv = g.data();
            for (std::size_t r = 0; r < g.shape(0); ++r)
                for (std::size_t j = 0; j < cols; ++j) db[j] += gv[r * cols + j];
        }
    };
    // Second order and tangents in tensor ops: the same products, no recomputed forward.
    auto graph_backward = [has_bias](GraphBackwardContext<T>& ctx) {
        const Tensor<T>& g = ctx.grad_output();
        if (ctx.needs_grad(0)) ctx.accumulate(0, matmul(g, transpose(ctx.input(1))));
        if (ctx.needs_grad(1)) ctx.accumulate(1, matmul(transpose(ctx.input(0)), g));
        if (has_bias && ctx.needs_grad(2)) ctx.accumulate(2, sum(g, 0));
    };
    auto tangent = [has_bias](const TangentContext<T>& ctx) {  // dx W + x dW + db
        Tensor<T> dy;
        const auto add_term = [&dy](const Tensor<T>& term) {
            dy = dy.defined() ? dy + term : term;
        };
        if (ctx.has_tangent(0)) add_term(matmul(ctx.tangent(0), ctx.input(1)));
        if (ctx.has_tangent(1)) add_term(matmul(ctx.input(0), ctx.tangent(1)));
        if (has_bias && ctx.has_tangent(2))
            add_term(xtgrad::detail::expand_to(ctx.tangent(2), ctx.output().shape()));
        return dy;
    };
    if (has_bias)
        return record_op(op_info::linear, std::move(y), {x, weight, bias}, std::move(backward),
                         std::move(graph_backward), std::move(tangent));
    return record_op(op_info::linear, std::move(y), {x, weight}, std::move(backward),
                     std::move(graph_backward), std::move(tangent));
}

template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
    const Array<T>& u = x.value();
    Array<T> y = empty_array<T>(u.shape());
    const T* in = u.data();
    T* out = y.data();
    // exp(-v) overflows to inf for very negative v, and the result is exactly 0, never NaN. Each
    // value's exp depends on it alone (vector_math.hpp): the same bits at any thread count.
    xtgrad::detail::parallel_for<T>(u.size(), [=](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) out[i] = -in[i];
        vmath::exp(out + begin, out + begin, end - begin);
        for (std::size_t i = begin; i < end; ++i) out[i] = T(1) / (T(1) + out[i]);
    });
    if (!needs_rules({x})) return unrecorded_result(op_info::sigmoid, std::move(y));
    return record_op(
        op_info::sigmoid, std::move(y), {x},
        [](BackwardContext<T>& ctx) {
            const T* g = ctx.grad_output().data();
            const T* s = ctx.output().data();
            detail::assign_or_add(ctx.slot(0),
                                  [&](std::size_t i) { return g[i] * (s[i] * (T(1) - s[i])); });
        },
        [](GraphBackwardContext<T>& ctx) {
            const Tensor<T> s = ctx.output();
            ctx.accumulate(0, ctx.grad_output() * (s * (T(1) - s)));
        },
        [](const TangentContext<T>& ctx) {
            const Tensor<T>& s = ctx.output();
            return ctx.tangent(0) * (s * (T(1) - s));
        });
}

template <class T>
Tensor<T> gelu(const Tensor<T>& x, GeluApproximation approximation) {
    const Array<T>& u = x.value();
    const std::size_t n = u.size();
    const bool recording = needs_rules({x});  // or carrying a tangent
    Array<T> y = empty_array<T>(u.shape());
    // What the backward needs besides u: tanh(...) or the normal CDF (kept only when recording).
    Array<T> saved = recording ? empty_array<T>(u.shape()) : Array<T>();
    const T* in = u.data();
    T* out = y.data();
    T* s = saved.data();
    // The transcendental function a part of the buffer at a time (vector_math.hpp: each value's
    // result depends on it alone), in `saved` when the backward keeps it, else in y itself.
    T* inner = recording ? s : out;
    if (approximation == GeluApproximation::tanh) {
        const T c = std::sqrt(T(2) / std::numbers::pi_v<T>);
        xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i)
                inner[i] = c * (in[i] + T(0.044715) * in[i] * in[i] * in[i]);
            vmath::tanh(inner + begin, inner + begin, end - begin);
            for (std::size_t i = begin; i < end; ++i) out[i] = T(0.5) * in[i] * (T(1) + inner[i]);
        });
        if (!recording) return unrecorded_result(op_info::gelu_tanh, std::move(y));
        const auto composed_form = [](const std::vector<Tensor<T>>& in) {
            return composed::gelu(in[0], GeluApproximation::tanh);
        };
        return record_op(
            op_info::gelu_tanh, std::move(y), {x},
            [x, t = std::move(saved), c](BackwardContext<T>& ctx) {
                const T* g = ctx.grad_output().data();
                const T* v = x.value().data();
                const T* tv = t.data();
                detail::assign_or_add(ctx.slot(0), [&](std::size_t i) {
                    const T d =
                        T(0.5) * (T(1) + tv[i]) + T(0.5) * v[i] * (T(1) - tv[i] * tv[i]) * c *
                                                      (T(1) + T(3 * 0.044715) * v[i] * v[i]);
                    return g[i] * d;
                });
            },
            recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
    }
    xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) inner[i] = in[i] / std::numbers::sqrt2_v<T>;
        if constexpr (std::is_same_v<T, float>)
            vmath::erf(inner + begin, inner + begin, end - begin);
        else  // no vectorised double erf (vector_math.hpp)
            for (std::size_t i = begin; i < end; ++i) inner[i] = std::erf(inner[i]);
        for (std::size_t i = begin; i < end; ++i) {
            inner[i] = T(0.5) * (T(1) + inner[i]);  // the normal CDF
            out[i] = in[i] * inner[i];
        }
    });
    if (!recording) return unrecorded_result(op_info::gelu_erf, std::move(y));
    const auto composed_form = [](const std::vector<Tensor<T>>& in) {
        return composed::gelu(in[0], GeluApproximation::erf);
    };
    return record_op(
        op_info::gelu_erf, std::move(y), {x},
        [x, cdf = std::move(saved)](BackwardContext<T>& ctx) {
            const T inv_sqrt_2pi = std::numbers::inv_sqrtpi_v<T> / std::numbers::sqrt2_v<T>;
            const T* g = ctx.grad_output().data();
            const T* v = x.value().data();
            const T* p = cdf.data();
            const std::size_t n = cdf.size();
            // exp(-v^2 / 2) in a buffer the thread keeps, so that a step allocates nothing here.
            thread_local std::vector<T> density;
            density.resize(std::max(density.size(), n));
            T* e = density.data();
            xtgrad::detail::parallel_for<T>(n, [=](std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i) e[i] = T(-0.5) * v[i] * v[i];
                vmath::exp(e + begin, e + begin, end - begin);
            });
            detail::assign_or_add(ctx.slot(0), [&](std::size_t i) {
                return g[i] * (p[i] + v[i] * inv_sqrt_2pi * e[i]);
            });
        },
        recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

#define XTGRAD_INSTANTIATE(T)                                                        \
    template Tensor<T> linear(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&); \
    template Tensor<T> sigmoid(const Tensor<T>&);                                    \
    template Tensor<T> gelu(const Tensor<T>&, GeluApproximation);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace fused
}  // namespace xtgrad::nn
