// Ops over integer class labels: gather, one_hot, argmax.
#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/kernels.hpp"
#include "xtgrad/autograd/ops.hpp"

namespace xtgrad {

void check_labels(std::string_view op, std::span<const Label> labels, std::size_t classes) {
    for (std::size_t n = 0; n < labels.size(); ++n) {
        if (labels[n] < 0 || static_cast<std::size_t>(labels[n]) >= classes)
            throw std::out_of_range(std::string(op) + ": label " + std::to_string(labels[n]) +
                                    " at position " + std::to_string(n) + " is outside 0.." +
                                    std::to_string(classes == 0 ? 0 : classes - 1));
    }
}

template <class T>
Tensor<T> gather(const Tensor<T>& x, std::span<const Label> labels) {
    const Array<T>& xv = x.value();
    if (xv.dimension() != 2 || xv.shape(0) != labels.size())
        throw ShapeError("gather", xv.shape(), Shape{labels.size()},
                         "needs (N, C) values and N labels");
    const std::size_t classes = xv.shape(1);
    check_labels("gather", labels, classes);
    Array<T> out = empty_array<T>(Shape{labels.size()});
    for (std::size_t n = 0; n < labels.size(); ++n)
        out.data()[n] = xv.data()[n * classes + static_cast<std::size_t>(labels[n])];
    if (!needs_rules({x})) return unrecorded_result(op_info::gather, std::move(out));
    return record_op(
        op_info::gather, std::move(out), {x},
        [picked = std::vector<Label>(labels.begin(), labels.end()),
         classes](BackwardContext<T>& ctx) {
            const T* g = ctx.grad_output().data();
            auto slot = ctx.slot(0);
            T* d = slot.data();
            if (!slot.accumulate) std::fill(d, d + slot.buffer.size(), T(0));
            for (std::size_t n = 0; n < picked.size(); ++n)
                d[n * classes + static_cast<std::size_t>(picked[n])] += g[n];
        },
        [picked = std::vector<Label>(labels.begin(), labels.end()),
         classes](GraphBackwardContext<T>& ctx) {
            // g scattered into the picked columns: g (N, 1) times the one-hot rows.
            const auto rows = static_cast<std::ptrdiff_t>(picked.size());
            ctx.accumulate(0, reshape(ctx.grad_output(), {rows, 1}) * one_hot<T>(picked, classes));
        },
        [labels](const TangentContext<T>& ctx) { return gather(ctx.tangent(0), labels); });
}

template <class T>
Tensor<T> one_hot(std::span<const Label> labels, std::size_t classes) {
    check_labels("one_hot", labels, classes);
    Array<T> out = empty_array<T>(Shape{labels.size(), classes});
    std::fill(out.begin(), out.end(), T(0));
    for (std::size_t n = 0; n < labels.size(); ++n)
        out.data()[n * classes + static_cast<std::size_t>(labels[n])] = T(1);
    return Tensor<T>(std::move(out));
}

template <class T>
std::vector<Label> argmax(const Tensor<T>& x) {
    const Array<T>& xv = x.value();
    if (xv.dimension() != 2 || xv.shape(1) == 0)
        throw ShapeError("argmax", xv.shape(), "needs (N, C) values with C > 0");
    const std::size_t classes = xv.shape(1);
    std::vector<Label> best(xv.shape(0));
    for (std::size_t n = 0; n < best.size(); ++n)
        best[n] = static_cast<Label>(detail::argmax_index(xv.data() + n * classes, classes));
    return best;
}

#define XTGRAD_INSTANTIATE(T)                                            \
    template Tensor<T> gather(const Tensor<T>&, std::span<const Label>); \
    template Tensor<T> one_hot(std::span<const Label>, std::size_t);     \
    template std::vector<Label> argmax(const Tensor<T>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
