// Unary elementwise ops. Each backward keeps only what its gradient needs: the input (log,
// square, ...) or the output (exp, sigmoid, tanh, sqrt).
#include <cmath>
#include <numbers>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/graph_rules.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

using detail::assign_or_add;
using detail::unary_map;

namespace {

/// Records y = f(x) whose gradient is g * dydx(x_i, y_i); rule(x, y, g) is the same gradient
/// in tensor ops (the differentiable backward); the tangent is dydx(x_i, y_i) * dx_i.
template <class T, class F, class D, class R>
Tensor<T> elementwise(const OpInfo& op, const Tensor<T>& x, F f, D dydx, R rule) {
    return record_op(
        op, unary_map(x.value(), f), {x},
        [x, dydx](BackwardContext<T>& ctx) {
            const T* g = ctx.grad_output().data();
            const T* in = x.value().data();
            const T* out = ctx.output().data();
            assign_or_add(ctx.slot(0), [&](std::size_t i) { return g[i] * dydx(in[i], out[i]); });
        },
        [rule](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(0, rule(ctx.input(0), ctx.output(), ctx.grad_output()));
        },
        [dydx](const TangentContext<T>& ctx) {  // dy = dydx(x, y) dx
            const Array<T>& t = ctx.tangent(0).value();
            const T* in = ctx.input(0).value().data();
            const T* out = ctx.output().value().data();
            Array<T> dy = empty_array<T>(t.shape());
            for (std::size_t i = 0; i < t.size(); ++i)
                dy.data()[i] = t.data()[i] * dydx(in[i], out[i]);
            return Tensor<T>(std::move(dy));
        });
}

/// A constant 0/1 mask is differentiated as a constant: its derivative is zero almost
/// everywhere, as the ordinary backward assumes.
template <class T>
using TensorRef = const Tensor<T>&;

}  // namespace

template <class T>
Tensor<T> neg(const Tensor<T>& x) {
    return elementwise(
        op_info::neg, x, [](T v) { return -v; }, [](T, T) { return T(-1); },
        [](TensorRef<T>, TensorRef<T>, TensorRef<T> g) { return -g; });
}

template <class T>
Tensor<T> exp(const Tensor<T>& x) {
    return elementwise(
        op_info::exp, x, [](T v) { return std::exp(v); }, [](T, T y) { return y; },
        [](TensorRef<T>, TensorRef<T> y, TensorRef<T> g) { return g * y; });
}

template <class T>
Tensor<T> log(const Tensor<T>& x) {
    return elementwise(
        op_info::log, x, [](T v) { return std::log(v); }, [](T v, T) { return T(1) / v; },
        [](TensorRef<T> v, TensorRef<T>, TensorRef<T> g) { return g / v; });
}

template <class T>
Tensor<T> tanh(const Tensor<T>& x) {
    return elementwise(
        op_info::tanh, x, [](T v) { return std::tanh(v); }, [](T, T y) { return T(1) - y * y; },
        [](TensorRef<T>, TensorRef<T> y, TensorRef<T> g) { return g * (T(1) - square(y)); });
}

template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
    // 1 / (1 + exp(-v)): exp overflows to inf for very negative v and the result is exactly 0,
    // never NaN.
    return elementwise(
        op_info::sigmoid, x, [](T v) { return T(1) / (T(1) + std::exp(-v)); },
        [](T, T y) { return y * (T(1) - y); },
        [](TensorRef<T>, TensorRef<T> y, TensorRef<T> g) { return g * (y * (T(1) - y)); });
}

template <class T>
Tensor<T> relu(const Tensor<T>& x) {
    return elementwise(
        op_info::relu, x, [](T v) { return v > T(0) ? v : T(0); },
        [](T v, T) { return v > T(0) ? T(1) : T(0); },
        [](TensorRef<T> v, TensorRef<T>, TensorRef<T> g) { return g * greater(v, scalar(T(0))); });
}

template <class T>
Tensor<T> erf(const Tensor<T>& x) {
    return elementwise(
        op_info::erf, x, [](T v) { return std::erf(v); },
        [](T v, T) { return T(2) / std::sqrt(std::numbers::pi_v<T>) * std::exp(-v * v); },
        [](TensorRef<T> v, TensorRef<T>, TensorRef<T> g) {
            return g * (exp(-square(v)) * (T(2) / std::sqrt(std::numbers::pi_v<T>)));
        });
}

template <class T>
Tensor<T> pow(const Tensor<T>& x, T exponent) {
    return elementwise(
        op_info::pow, x, [exponent](T v) { return std::pow(v, exponent); },
        // x^0 is constant: its gradient is 0 everywhere, also at x == 0 where the general
        // formula gives 0 * inf = NaN (PyTorch's convention).
        [exponent](T v, T) {
            return exponent == T(0) ? T(0) : exponent * std::pow(v, exponent - T(1));
        },
        [exponent](TensorRef<T> v, TensorRef<T>, TensorRef<T> g) {
            if (exponent == T(0)) return g * detail::filled(v.shape(), T(0));
            return g * (pow(v, exponent - T(1)) * exponent);
        });
}

template <class T>
Tensor<T> square(const Tensor<T>& x) {
    return elementwise(
        op_info::square, x, [](T v) { return v * v; }, [](T v, T) { return T(2) * v; },
        [](TensorRef<T> v, TensorRef<T>, TensorRef<T> g) { return g * (v * T(2)); });
}

template <class T>
Tensor<T> sqrt(const Tensor<T>& x) {
    return elementwise(
        op_info::sqrt, x, [](T v) { return std::sqrt(v); }, [](T, T y) { return T(0.5) / y; },
        [](TensorRef<T>, TensorRef<T> y, TensorRef<T> g) { return g * (T(0.5) / y); });
}

template <class T>
Tensor<T> abs(const Tensor<T>& x) {
    return elementwise(
        op_info::abs, x, [](T v) { return std::abs(v); },
        [](T v, T) { return v > T(0) ? T(1) : (v < T(0) ? T(-1) : T(0)); },
        [](TensorRef<T> v, TensorRef<T>, TensorRef<T> g) {
            return g * (greater(v, scalar(T(0))) - less(v, scalar(T(0))));
        });
}

template <class T>
Tensor<T> clamp(const Tensor<T>& x, T low, T high) {
    if (!(low <= high))
        throw std::invalid_argument("clamp: low (" + std::to_string(low) +
                                    ") must not exceed high (" + std::to_string(high) + ")");
    return elementwise(
        op_info::clamp, x, [low, high](T v) { return v < low ? low : (v > high ? high : v); },
        [low, high](T v, T) { return v >= low && v <= high ? T(1) : T(0); },
        [low, high](TensorRef<T> v, TensorRef<T>, TensorRef<T> g) {
            return g * (greater_equal(v, scalar(low)) * less_equal(v, scalar(high)));
        });
}

#define XTGRAD_INSTANTIATE(T)                     \
    template Tensor<T> neg(const Tensor<T>&);     \
    template Tensor<T> exp(const Tensor<T>&);     \
    template Tensor<T> log(const Tensor<T>&);     \
    template Tensor<T> tanh(const Tensor<T>&);    \
    template Tensor<T> sigmoid(const Tensor<T>&); \
    template Tensor<T> relu(const Tensor<T>&);    \
    template Tensor<T> erf(const Tensor<T>&);     \
    template Tensor<T> pow(const Tensor<T>&, T);  \
    template Tensor<T> square(const Tensor<T>&);  \
    template Tensor<T> sqrt(const Tensor<T>&);    \
    template Tensor<T> abs(const Tensor<T>&);     \
    template Tensor<T> clamp(const Tensor<T>&, T, T);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
