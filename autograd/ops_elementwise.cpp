// Binary elementwise ops with broadcasting, where, and comparison masks.
#include <xtensor/xoperation.hpp>

#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/graph_rules.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

using detail::binary_map;
using detail::sum_to;

namespace {

/// a + b, where an undefined a is zero.
template <class T>
Tensor<T> plus(const Tensor<T>& a, const Tensor<T>& b) {
    return a.defined() ? a + b : b;
}

/// da + sign db, broadcast to the output's shape (the tangent of add and sub).
template <class T>
Tensor<T> combine_tangents(const TangentContext<T>& ctx, T sign) {
    Tensor<T> dy;
    if (ctx.has_tangent(0)) dy = ctx.tangent(0);
    if (ctx.has_tangent(1)) dy = plus(dy, sign == T(1) ? ctx.tangent(1) : -ctx.tangent(1));
    return detail::expand_to(dy, ctx.output().shape());
}

}  // namespace

template <class T>
Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b) {
    return record_op(
        op_info::add, binary_map("add", a.value(), b.value(), std::plus<T>()), {a, b},
        [sa = a.shape(), sb = b.shape()](BackwardContext<T>& ctx) {
            const Array<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0)) ctx.accumulate(0, unbroadcast(Array<T>(g), sa));
            if (ctx.needs_grad(1)) ctx.accumulate(1, unbroadcast(Array<T>(g), sb));
        },
        [](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0)) ctx.accumulate(0, sum_to(g, ctx.input_shape(0)));
            if (ctx.needs_grad(1)) ctx.accumulate(1, sum_to(g, ctx.input_shape(1)));
        },
        [](const TangentContext<T>& ctx) { return combine_tangents(ctx, T(1)); });
}

template <class T>
Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b) {
    return record_op(
        op_info::sub, binary_map("sub", a.value(), b.value(), std::minus<T>()), {a, b},
        [sa = a.shape(), sb = b.shape()](BackwardContext<T>& ctx) {
            const Array<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0)) ctx.accumulate(0, unbroadcast(Array<T>(g), sa));
            if (ctx.needs_grad(1))
                ctx.accumulate(1, unbroadcast(detail::unary_map(g, std::negate<T>()), sb));
        },
        [](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0)) ctx.accumulate(0, sum_to(g, ctx.input_shape(0)));
            if (ctx.needs_grad(1)) ctx.accumulate(1, sum_to(-g, ctx.input_shape(1)));
        },
        [](const TangentContext<T>& ctx) { return combine_tangents(ctx, T(-1)); });
}

template <class T>
Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b) {
    return record_op(
        op_info::mul, binary_map("mul", a.value(), b.value(), std::multiplies<T>()), {a, b},
        [a, b](BackwardContext<T>& ctx) {
            const Array<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0))
                ctx.accumulate(
                    0, unbroadcast(binary_map("mul backward", g, b.value(), std::multiplies<T>()),
                                   a.shape()));
            if (ctx.needs_grad(1))
                ctx.accumulate(
                    1, unbroadcast(binary_map("mul backward", g, a.value(), std::multiplies<T>()),
                                   b.shape()));
        },
        [](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0)) ctx.accumulate(0, sum_to(g * ctx.input(1), ctx.input_shape(0)));
            if (ctx.needs_grad(1)) ctx.accumulate(1, sum_to(g * ctx.input(0), ctx.input_shape(1)));
        },
        [](const TangentContext<T>& ctx) {  // da b + a db
            Tensor<T> dy;
            if (ctx.has_tangent(0)) dy = ctx.tangent(0) * ctx.input(1);
            if (ctx.has_tangent(1)) dy = plus(dy, ctx.input(0) * ctx.tangent(1));
            return dy;
        });
}

template <class T>
Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b) {
    return record_op(
        op_info::div, binary_map("div", a.value(), b.value(), std::divides<T>()), {a, b},
        [a, b](BackwardContext<T>& ctx) {
            const Array<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0))
                ctx.accumulate(
                    0, unbroadcast(binary_map("div backward", g, b.value(), std::divides<T>()),
                                   a.shape()));
            if (ctx.needs_grad(1)) {
                // d(a/b)/db = -a / b^2, formed as -(a/b)/b against the broadcast shape.
                Array<T> quotient =
                    binary_map("div backward", a.value(), b.value(), std::divides<T>());
                Array<T> scaled = binary_map("div backward", quotient, b.value(),
                                             [](T q, T vb) { return -q / vb; });
                ctx.accumulate(
                    1, unbroadcast(binary_map("div backward", g, scaled, std::multiplies<T>()),
                                   b.shape()));
            }
        },
        [](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            const Tensor<T> b = ctx.input(1);
            if (ctx.needs_grad(0)) ctx.accumulate(0, sum_to(g / b, ctx.input_shape(0)));
            if (ctx.needs_grad(1))
                ctx.accumulate(1, sum_to(-(g * (ctx.input(0) / b) / b), ctx.input_shape(1)));
        },
        [](const TangentContext<T>& ctx) {  // da / b - (a / b) db / b
            Tensor<T> dy;
            if (ctx.has_tangent(0)) dy = ctx.tangent(0) / ctx.input(1);
            if (ctx.has_tangent(1)) dy = plus(dy, -(ctx.output() * ctx.tangent(1) / ctx.input(1)));
            return dy;
        });
}

template <class T>
Tensor<T> maximum(const Tensor<T>& a, const Tensor<T>& b) {
    return record_op(
        op_info::maximum,
        binary_map("maximum", a.value(), b.value(), [](T x, T y) { return x < y ? y : x; }), {a, b},
        [a, b](BackwardContext<T>& ctx) {
            const Array<T>& g = ctx.grad_output();
            // Share of the gradient that goes to a: 1 where a wins, 1/2 on ties, 0 otherwise.
            Array<T> share_a = binary_map("maximum backward", a.value(), b.value(), [](T x, T y) {
                return x > y ? T(1) : (x == y ? T(0.5) : T(0));
            });
            if (ctx.needs_grad(0))
                ctx.accumulate(
                    0, unbroadcast(binary_map("maximum backward", g, share_a, std::multiplies<T>()),
                                   a.shape()));
            if (ctx.needs_grad(1))
                ctx.accumulate(1, unbroadcast(binary_map("maximum backward", g, share_a,
                                                         [](T gv, T s) { return gv * (1 - s); }),
                                              b.shape()));
        },
        [](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            const Tensor<T> a = ctx.input(0);
            const Tensor<T> b = ctx.input(1);
            // The same constant shares as the ordinary backward: 1, 1/2 on ties, 0.
            const Tensor<T> share_a = greater(a, b) + equal(a, b) * T(0.5);
            if (ctx.needs_grad(0)) ctx.accumulate(0, sum_to(g * share_a, ctx.input_shape(0)));
            if (ctx.needs_grad(1))
                ctx.accumulate(1, sum_to(g * (T(1) - share_a), ctx.input_shape(1)));
        },
        [](const TangentContext<T>& ctx) {
            const Tensor<T> a = ctx.input(0);
            const Tensor<T> b = ctx.input(1);
            const Tensor<T> share_a = greater(a, b) + equal(a, b) * T(0.5);
            Tensor<T> dy;
            if (ctx.has_tangent(0)) dy = share_a * ctx.tangent(0);
            if (ctx.has_tangent(1)) dy = plus(dy, (T(1) - share_a) * ctx.tangent(1));
            return dy;
        });
}

namespace {

/// mask ? a : b over the broadcast shape of the three (checked first: the error names where).
template <class T>
Array<T> select(const Array<T>& mask, const Array<T>& a, const Array<T>& b) {
    broadcast_shapes("where", broadcast_shapes("where", mask.shape(), a.shape()), b.shape());
    return xt::where(xt::not_equal(mask, T(0)), a, b);
}

}  // namespace

template <class T>
Tensor<T> where(const Tensor<T>& mask, const Tensor<T>& a, const Tensor<T>& b) {
    const Tensor<T> condition(mask.value());  // a constant, whatever mask requires
    return record_op(
        op_info::where, select(condition.value(), a.value(), b.value()), {a, b},
        [condition](BackwardContext<T>& ctx) {
            const Array<T>& g = ctx.grad_output();
            const Array<T> zero(T(0));
            if (ctx.needs_grad(0))
                ctx.accumulate(0,
                               unbroadcast(select(condition.value(), g, zero), ctx.input_shape(0)));
            if (ctx.needs_grad(1))
                ctx.accumulate(1,
                               unbroadcast(select(condition.value(), zero, g), ctx.input_shape(1)));
        },
        [condition](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            const Tensor<T> zero = scalar(T(0));
            if (ctx.needs_grad(0))
                ctx.accumulate(0, sum_to(where(condition, g, zero), ctx.input_shape(0)));
            if (ctx.needs_grad(1))
                ctx.accumulate(1, sum_to(where(condition, zero, g), ctx.input_shape(1)));
        },
        [condition](const TangentContext<T>& ctx) {
            const Tensor<T> zero = scalar(T(0));
            const Tensor<T> dy = where(condition, ctx.has_tangent(0) ? ctx.tangent(0) : zero,
                                       ctx.has_tangent(1) ? ctx.tangent(1) : zero);
            return detail::expand_to(dy, ctx.output().shape());
        });
}

namespace {

template <class T, class Compare>
Tensor<T> compare(const OpInfo& op, const Tensor<T>& a, const Tensor<T>& b, Compare cmp) {
    return Tensor<T>(binary_map(op.name, a.value(), b.value(),
                                [cmp](T x, T y) { return cmp(x, y) ? T(1) : T(0); }));
}

}  // namespace

template <class T>
Tensor<T> greater(const Tensor<T>& a, const Tensor<T>& b) {
    return compare(op_info::greater, a, b, std::greater<T>());
}
template <class T>
Tensor<T> greater_equal(const Tensor<T>& a, const Tensor<T>& b) {
    return compare(op_info::greater_equal, a, b, std::greater_equal<T>());
}
template <class T>
Tensor<T> less(const Tensor<T>& a, const Tensor<T>& b) {
    return compare(op_info::less, a, b, std::less<T>());
}
template <class T>
Tensor<T> less_equal(const Tensor<T>& a, const Tensor<T>& b) {
    return compare(op_info::less_equal, a, b, std::less_equal<T>());
}
template <class T>
Tensor<T> equal(const Tensor<T>& a, const Tensor<T>& b) {
    return compare(op_info::equal, a, b, std::equal_to<T>());
}
template <class T>
Tensor<T> not_equal(const Tensor<T>& a, const Tensor<T>& b) {
    return compare(op_info::not_equal, a, b, std::not_equal_to<T>());
}

#define XTGRAD_INSTANTIATE(T)                                                       \
    template Tensor<T> add(const Tensor<T>&, const Tensor<T>&);                     \
    template Tensor<T> sub(const Tensor<T>&, const Tensor<T>&);                     \
    template Tensor<T> mul(const Tensor<T>&, const Tensor<T>&);                     \
    template Tensor<T> div(const Tensor<T>&, const Tensor<T>&);                     \
    template Tensor<T> maximum(const Tensor<T>&, const Tensor<T>&);                 \
    template Tensor<T> where(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&); \
    template Tensor<T> greater(const Tensor<T>&, const Tensor<T>&);                 \
    template Tensor<T> greater_equal(const Tensor<T>&, const Tensor<T>&);           \
    template Tensor<T> less(const Tensor<T>&, const Tensor<T>&);                    \
    template Tensor<T> less_equal(const Tensor<T>&, const Tensor<T>&);              \
    template Tensor<T> equal(const Tensor<T>&, const Tensor<T>&);                   \
    template Tensor<T> not_equal(const Tensor<T>&, const Tensor<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
