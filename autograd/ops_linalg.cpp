// matmul (BLAS gemm), transpose and reshape.

#include "xtgrad/autograd/blas.hpp"
#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

namespace {

/// (B, m, k) by (k, n): one product over the stacked rows; by (B, k, n): one product per batch
/// entry, stacked. Composed from 2-D matmul, reshape, slice and stack, so every rule is theirs.
template <class T>
Tensor<T> batched_matmul(const Tensor<T>& a, const Tensor<T>& b) {
    const Shape& as = a.shape();
    const Shape& bs = b.shape();
    const auto size = [](std::size_t n) { return static_cast<std::ptrdiff_t>(n); };
    if (bs.size() == 2 && as[2] == bs[0])
        return reshape(matmul(reshape(a, {-1, size(as[2])}), b),
                       {size(as[0]), size(as[1]), size(bs[1])});
    if (bs.size() != 3 || bs[0] != as[0] || as[2] != bs[1] || as[0] == 0)
        throw ShapeError("matmul", as, bs,
                         "needs (B, m, k) and (B, k, n) with B > 0, or (B, m, k) and (k, n)");
    std::vector<Tensor<T>> products;
    for (std::size_t i = 0; i < as[0]; ++i)
        products.push_back(matmul(reshape(slice(a, 0, i, i + 1), {size(as[1]), size(as[2])}),
                                  reshape(slice(b, 0, i, i + 1), {size(bs[1]), size(bs[2])})));
    return stack(products, 0);
}

}  // namespace

template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b) {
    if (a.dimension() == 3) return batched_matmul(a, b);
    const Array<T>& av = a.value();
    const Array<T>& bv = b.value();
    if (av.dimension() != 2 || bv.dimension() != 2 || av.shape(1) != bv.shape(0))
        throw ShapeError("matmul", av.shape(), bv.shape(),
                         "needs (m, k) and (k, n) matrices, or a batch (B, m, k) first");
    Array<T> out = empty_array<T>({av.shape(0), bv.shape(1)});
    blas::gemm("matmul", av, false, bv, false, out, T(1), T(0), forward_product_split(b));
    return record_op(
        op_info::matmul, std::move(out), {a, b},
        [a, b](BackwardContext<T>& ctx) { matmul_backward("matmul backward", ctx, a, 0, b, 1); },
        [](GraphBackwardContext<T>& ctx) {
            const Tensor<T>& g = ctx.grad_output();
            if (ctx.needs_grad(0)) ctx.accumulate(0, matmul(g, transpose(ctx.input(1))));
            if (ctx.needs_grad(1)) ctx.accumulate(1, matmul(transpose(ctx.input(0)), g));
        },
        [](const TangentContext<T>& ctx) {  // da b + a db
            Tensor<T> dy;
            if (ctx.has_tangent(0)) dy = matmul(ctx.tangent(0), ctx.input(1));
            if (ctx.has_tangent(1)) {
                const Tensor<T> term = matmul(ctx.input(0), ctx.tangent(1));
                dy = dy.defined() ? dy + term : term;
            }
            return dy;
        });
}

template <class T>
blas::Split forward_product_split(const Tensor<T>& weight) {
    return grad_enabled() && weight.requires_grad()
               ? blas::split_along_weight_rows(weight.value(), blas::Split::inner)
               : blas::Split::backend;
}

template <class T>
void matmul_backward(const char* op, BackwardContext<T>& ctx, const Tensor<T>& a, std::size_t ia,
                     const Tensor<T>& b, std::size_t ib) {
    const Array<T>& g = ctx.grad_output();
    // Threads split both along B's rows, as the forward product does (blas.hpp).
    if (ctx.needs_grad(ia)) {  // dA = G B^T
        auto slot = ctx.slot(ia);
        blas::gemm(op, g, false, b.value(), true, slot.buffer, T(1), slot.beta(),
                   blas::split_along_weight_rows(b.value(), blas::Split::columns));
    }
    if (ctx.needs_grad(ib)) {  // dB = A^T G
        auto slot = ctx.slot(ib);
        blas::gemm(op, a.value(), true, g, false, slot.buffer, T(1), slot.beta(),
                   blas::split_along_weight_rows(b.value(), blas::Split::rows));
    }
}

template <class T>
Tensor<T> transpose(const Tensor<T>& x, std::vector<std::size_t> permutation) {
    const std::size_t rank = x.dimension();
    std::vector<bool> seen(rank, false);
    bool valid = permutation.size() == rank;
    for (std::size_t axis : permutation) {
        if (!valid || axis >= rank || seen[axis]) {
            valid = false;
            break;
        }
        seen[axis] = true;
    }
    if (!valid)
        throw ShapeError("transpose", x.shape(),
                         "the permutation is not a permutation of its axes");
    std::vector<std::size_t> inverse(rank);
    for (std::size_t i = 0; i < rank; ++i) inverse[permutation[i]] = i;

    Array<T> out = detail::permuted(x.value(), permutation);
    return record_op(
        op_info::transpose, std::move(out), {x},
        [inverse](BackwardContext<T>& ctx) {
            ctx.accumulate(0, detail::permuted(ctx.grad_output(), inverse));
        },
        [inverse](GraphBackwardContext<T>& ctx) {
            ctx.accumulate(0, transpose(ctx.grad_output(), inverse));
        },
        [&permutation](const TangentContext<T>& ctx) {
            return transpose(ctx.tangent(0), permutation);
        });
}

template <class T>
Tensor<T> transpose(const Tensor<T>& x) {
    std::vector<std::size_t> reversed(x.dimension());
    for (std::size_t i = 0; i < reversed.size(); ++i) reversed[i] = reversed.size() - 1 - i;
    return transpose(x, std::move(reversed));
}

template <class T>
Tensor<T> reshape(const Tensor<T>& x, std::vector<std::ptrdiff_t> shape) {
    Shape target(shape.size());
    std::size_t known = 1;
    std::ptrdiff_t inferred = -1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1 && inferred < 0) {
            inferred = static_cast<std::ptrdiff_t>(i);
        } else if (shape[i] < 0) {
            throw ShapeError("reshape", x.shape(),
                             "new shape may have one -1 and no other negative entry");
        } else {
            target[i] = static_cast<std::size_t>(shape[i]);
            known *= target[i];
        }
    }
    if (inferred >= 0) {
        if (known == 0 || x.size() % known != 0)
            throw ShapeError("reshape", x.shape(), "cannot infer the -1 dimension");
        target[static_cast<std::size_t>(inferred)] = x.size() / known;
    }
    if (element_count(target) != x.size())
        throw ShapeError("reshape", x.shape(), target, "element counts differ");

    Array<T> out = x.value();
    out.reshape(target);
    return record_op(
        op_info::reshape, std::move(out), {x},
        [](BackwardContext<T>& ctx) {
            Array<T> g = ctx.grad_output();
            g.reshape(ctx.input_shape(0));
            ctx.accumulate(0, std::move(g));
        },
        [](GraphBackwardContext<T>& ctx) {
            const Shape& shape = ctx.input_shape(0);
            ctx.accumulate(0, reshape(ctx.grad_output(),
                                      std::vector<std::ptrdiff_t>(shape.begin(), shape.end())));
        },
        [](const TangentContext<T>& ctx) {
            Array<T> dy = ctx.tangent(0).value();
            dy.reshape(ctx.output().shape());
            return Tensor<T>(std::move(dy));
        });
}

#define XTGRAD_INSTANTIATE(T)                                                                      \
    template Tensor<T> matmul(const Tensor<T>&, const Tensor<T>&);                                 \
    template Tensor<T> transpose(const Tensor<T>&);                                                \
    template Tensor<T> transpose(const Tensor<T>&, std::vector<std::size_t>);                      \
    template Tensor<T> reshape(const Tensor<T>&, std::vector<std::ptrdiff_t>);                     \
    template void matmul_backward(const char*, BackwardContext<T>&, const Tensor<T>&, std::size_t, \
                                  const Tensor<T>&, std::size_t);                                  \
    template blas::Split forward_product_split(const Tensor<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
