// The fused convolution and max and average pooling. The convolution, one tape node: per image, im2col into
// a reused buffer and one gemm that writes the image's output in place; backward per image, two
// gemms and col2im, with the columns recomputed rather than kept.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "onednn_conv.hpp"
#include "xtgrad/autograd/blas.hpp"
#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/parallel.hpp"
#include "xtgrad/autograd/window.hpp"
#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/fused_ops.hpp"
#include "xtgrad/nn/recomputed_rules.hpp"

namespace xtgrad::nn::fused {

namespace {

/// This thread's buffer for one image's columns, (C kh kw, OH OW), reshaped as needed.
template <class T>
Array<T>& columns_buffer(const xtgrad::detail::WindowGeometry& g) {
    thread_local Array<T> buffer;
    const Shape shape{g.columns(), g.oh * g.ow};
    if (buffer.shape() != shape) buffer.resize(shape);
    return buffer;
}

/// Where max pooling sends an output's gradient: an index into the output's input plane.
using Winner = std::uint32_t;
constexpr Winner kNoWinner = std::numeric_limits<Winner>::max();  // a window wholly in padding

/// Max pooling over 2x2 windows with stride 2 that lie inside the image (the usual pooling):
/// the general scan's comparisons in its order, with the geometry known to the compiler.
template <class T, bool keep>
void max_pool_2x2(const T* in, std::size_t planes, std::size_t h, std::size_t w, std::size_t rows,
                  std::size_t columns, T* out, Winner* won) {
    for (std::size_t plane = 0; plane < planes; ++plane, in += h * w)
        for (std::size_t r = 0; r < rows; ++r, out += columns, won += keep ? columns : 0) {
            const std::size_t top = 2 * r * w;
            for (std::size_t c = 0; c < columns; ++c) {
                const std::size_t first = top + 2 * c;
                const T a = in[first], b = in[first + 1], d = in[first + w], e = in[first + w + 1];
                // Branch-free, as in the general scan: which tap wins is a coin flip, and rows of
                // 7 or 14 outputs are too short for the vectorised loop to take them. The winner
                // is picked with a mask, which the compiler keeps as one, not as a jump.
                T best = a;
                Winner at = static_cast<Winner>(first);
                const auto take = [&](T value, std::size_t tap) {
                    const Winner wins = value > best ? ~Winner{0} : Winner{0};
                    best = value > best ? value : best;
                    at ^= (at ^ static_cast<Winner>(tap)) & wins;
                };
                take(b, first + 1);
                take(d, first + w);
                take(e, first + w + 1);
                out[c] = best;
                if constexpr (keep) won[c] = at;
            }
        }
}

/// Records a conv2d output with its backward over x, weight and (if defined) bias; second
/// order and tangents recompute the composition.
template <class T, class Backward>
Tensor<T> record_conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias,
                        const xtgrad::Conv2dOptions& options, Array<T> y, Backward backward) {
    const auto composed_form = [options](const std::vector<Tensor<T>>& in) {
        return composed::conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor<T>(), options);
    };
    if (bias.defined())
        return record_op(op_info::conv2d, std::move(y), {x, weight, bias}, std::move(backward),
                         recomputed_backward<T>(composed_form),
                         recomputed_tangent<T>(composed_form));
    return record_op(op_info::conv2d, std::move(y), {x, weight}, std::move(backward),
                     recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

/// Writes compute(destination)'s values into a gradient slot: straight in when the slot is
/// fresh, else through a scratch array added to it.
template <class Compute>
void write_gradient(GradSlot<float> slot, Compute compute) {
    if (!slot.accumulate) return compute(slot.data());
    std::vector<float> scratch(slot.buffer.size());
    compute(scratch.data());
    for (std::size_t i = 0; i < scratch.size(); ++i) slot.data()[i] += scratch[i];
}

/// The float32 convolution on oneDNN's primitives (onednn_conv.hpp).
Tensor<float> onednn_conv2d(const Tensor<float>& x, const Tensor<float>& weight,
                            const Tensor<float>& bias, const xtgrad::Conv2dOptions& options,
                            const detail::ConvShape& s) {
    const bool has_bias = bias.defined();
    Array<float> y = empty_array<float>({s.n, s.out, s.oh, s.ow});
    detail::onednn_conv_forward(s, x.value().data(), weight.value().data(),
                                has_bias ? bias.value().data() : nullptr, y.data());
    if (!(has_bias ? needs_rules({x, weight, bias}) : needs_rules({x, weight})))
        return unrecorded_result(op_info::conv2d, std::move(y));
    auto backward = [s, x, weight, has_bias](BackwardContext<float>& ctx) {
        const float* dy = ctx.grad_output().data();
        if (ctx.needs_grad(0))
            write_gradient(ctx.slot(0), [&](float* dx) {
                detail::onednn_conv_backward_data(s, dy, weight.value().data(), dx);
            });
        const bool want_weight = ctx.needs_grad(1), want_bias = has_bias && ctx.needs_grad(2);
        if (!want_weight && !want_bias) return;
        std::vector<float> weight_scratch(want_weight ? 0 : weight.size());
        const auto run = [&](float* dw, float* db) {
            detail::onednn_conv_backward_weights(s, x.value().data(), dy,
                                                 dw ? dw : weight_scratch.data(), db);
        };
        if (want_weight && want_bias) {
            std::vector<float> db(s.out);
            write_gradient(ctx.slot(1), [&](float* dw) { run(dw, db.data()); });
            write_gradient(ctx.slot(2), [&](float* out) { std::copy(db.begin(), db.end(), out); });
        } else if (want_weight) {
            write_gradient(ctx.slot(1), [&](float* dw) { run(dw, nullptr); });
        } else {
            write_gradient(ctx.slot(2), [&](float* db) { run(nullptr, db); });
        }
    };
    return record_conv2d(x, weight, bias, options, std::move(y), std::move(backward));
}

}  // namespace

template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& weight, const Tensor<T>& bias,
                 const xtgrad::Conv2dOptions& options) {
    const auto& ws = weight.shape();
    const bool has_bias = bias.defined();
    xtgrad::detail::check_conv2d_shapes(x.shape(), ws, has_bias ? &bias.shape() : nullptr,
                                        options.groups);
    const Window2d window{{ws[2], ws[3]}, options.stride, options.padding, options.dilation};
    const auto full = xtgrad::detail::window_geometry("conv2d", x.shape(), window);
    if constexpr (std::is_same_v<T, float>) {
        if (detail::onednn_convolutions())
            return onednn_conv2d(
                x, weight, bias, options,
                {full.n, full.c, full.h, full.w, ws[0], ws[2], ws[3], full.oh, full.ow,
                 options.groups, options.stride, options.padding, options.dilation});
    }
    // One group's geometry: its C / groups channels. Each group has its own block of kernel
    // rows, (out / groups, C / groups kh kw), and writes its own block of output channels.
    auto g = full;
    g.c = ws[1];
    const std::size_t groups = options.groups;
    const std::size_t positions = g.oh * g.ow;
    const std::size_t out = ws[0], group_out = out / groups;
    const std::size_t image_size = full.c * g.h * g.w, group_size = g.c * g.h * g.w;
    std::vector<Array<T>> kernels;
    for (std::size_t k = 0; k < groups; ++k) {
        const T* rows = weight.value().data() + k * group_out * g.columns();
        Array<T> block = empty_array<T>({group_out, g.columns()});
        std::copy_n(rows, block.size(), block.data());
        kernels.push_back(std::move(block));
    }
    // Per image and group: its columns (C/groups kh kw, OH OW), then the group's kernel times
    // them is its (out/groups, OH OW) output in place. One columns buffer per thread, reused.
    Array<T> y = empty_array<T>({g.n, out, g.oh, g.ow});
    Array<T>& cols = columns_buffer<T>(g);
    for (std::size_t n = 0; n < g.n; ++n)
        for (std::size_t k = 0; k < groups; ++k) {
            xtgrad::detail::im2col_image(g, x.value().data() + n * image_size + k * group_size,
                                         cols.data());
            blas::gemm("conv2d", kernels[k], false, cols, false,
                       y.data() + (n * out + k * group_out) * positions, group_out * positions);
        }
    if (has_bias) {
        const T* b = bias.value().data();
        for (std::size_t n = 0; n < g.n; ++n)
            for (std::size_t o = 0; o < out; ++o) {
                T* plane = y.data() + (n * out + o) * positions;
                for (std::size_t p = 0; p < positions; ++p) plane[p] += b[o];
            }
    }
    if (!(has_bias ? needs_rules({x, weight, bias}) : needs_rules({x, weight})))
        return unrecorded_result(op_info::conv2d, std::move(y));

    // The backward recomputes each image's columns (cheaper than keeping N of them).
    auto backward = [g, x, has_bias, out, image_size, group_size,
                     kernels = std::move(kernels)](BackwardContext<T>& ctx) {
        const std::size_t positions = g.oh * g.ow;
        const std::size_t group_out = kernels[0].shape(0);
        const T* go = ctx.grad_output().data();
        Array<T>& cols = columns_buffer<T>(g);
        Array<T> grad_image =
            empty_array<T>({group_out, positions});  // one group's output gradient
        Array<T> grad_cols = empty_array<T>(cols.shape());
        std::optional<GradSlot<T>> dx, dw;
        if (ctx.needs_grad(0)) {
            dx.emplace(ctx.slot(0));
            if (!dx->accumulate) std::fill(dx->buffer.begin(), dx->buffer.end(), T(0));
        }
        if (ctx.needs_grad(1)) dw.emplace(ctx.slot(1));
        for (std::size_t n = 0; n < g.n; ++n)
            for (std::size_t k = 0; k < kernels.size(); ++k) {
                std::copy_n(go + (n * out + k * group_out) * positions, group_out * positions,
                            grad_image.data());
                const std::size_t image = n * image_size + k * group_size;
                if (dw) {  // dW_k += G_nk cols_nk^T
                    xtgrad::detail::im2col_image(g, x.value().data() + image, cols.data());
                    const T beta = n == 0 ? dw->beta() : T(1);
                    const std::size_t block = group_out * g.columns();
                    blas::gemm("conv2d backward", grad_image, false, cols, true,
                               dw->data() + k * block, block, T(1), beta);
                }
                if (dx) {  // dx_nk += col2im(W_k^T G_nk)
                    blas::gemm("conv2d backward", kernels[k], true, grad_image, false, grad_cols);
                    xtgrad::detail::col2im_image_add(g, grad_cols.data(), dx->data() + image);
                }
            }
        if (has_bias && ctx.needs_grad(2)) {  // db = sums of G over images and positions
            auto slot = ctx.slot(2);
            T* db = slot.data();
            if (!slot.accumulate) std::fill(db, db + out, T(0));
            for (std::size_t n = 0; n < g.n; ++n)
                for (std::size_t o = 0; o < out; ++o) {
                    const T* plane = go + (n * out + o) * positions;
                    T total = 0;
                    for (std::size_t p = 0; p < positions; ++p) total += plane[p];
                    db[o] += total;
                }
        }
    };
    return record_conv2d(x, weight, bias, options, std::move(y), std::move(backward));
}

template <class T>
Tensor<T> max_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode) {
    // In ceil mode the last windows run past the image: the scan skips what lies outside.
    const auto g = xtgrad::detail::window_geometry("max_pool2d", x.shape(), window, ceil_mode);
    // The window as plain locals: the loops store winners, which could alias the arrays.
    const std::size_t kh = window.kernel[0], kw = window.kernel[1];
    const std::size_t sh = window.stride[0], sw = window.stride[1];
    const std::size_t ph = window.padding[0], pw = window.padding[1];
    const std::size_t dh = window.dilation[0], dw = window.dilation[1];
    const std::size_t h = g.h, w = g.w, planes = g.n * g.c;
    if (h * w >= kNoWinner)
        throw ShapeError("max_pool2d", x.shape(), "images of 2^32 - 1 pixels or more");
    Array<T> y = empty_array<T>({g.n, g.c, g.oh, g.ow});
    // Each output's first maximum (scanning the window row by row) as an index into its input
    // plane, or kNoWinner for a window wholly in the padding: where the gradient goes. Only
    // kept when a backward will need it (evaluation scans for the maxima alone).
    const bool recorded = needs_rules({x});
    auto winners = std::make_shared<std::vector<Winner>>(recorded ? y.size() : 0);
    const T* in = x.value().data();
    T* out = y.data();
    Winner* won = winners->data();
    // Without padding, and unless ceil mode runs past the end, every tap is inside the image.
    const bool inside = ph == 0 && pw == 0 && (g.oh - 1) * sh + (kh - 1) * dh < h &&
                        (g.ow - 1) * sw + (kw - 1) * dw < w;
    const bool two_by_two =
        inside && kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1;
    const std::size_t plane_in = h * w, plane_out = g.oh * g.ow;
    // Planes [first_plane, end_plane): the threads take contiguous runs of planes.
    const auto scan_planes = [&](auto keep_winners, std::size_t first_plane,
                                 std::size_t end_plane) {
        constexpr bool keep = decltype(keep_winners)::value;
        std::size_t k = first_plane * plane_out;
        if (two_by_two)
            return max_pool_2x2<T, keep>(in + first_plane * plane_in, end_plane - first_plane, h, w,
                                         g.oh, g.ow, out + k, keep ? won + k : won);
        for (std::size_t plane = first_plane; plane < end_plane; ++plane) {
            const T* image = in + plane * plane_in;
            for (std::size_t oh = 0; oh < g.oh; ++oh)
                for (std::size_t ow = 0; ow < g.ow; ++ow, ++k) {
                    T best = std::numeric_limits<T>::lowest();
                    std::size_t at = kNoWinner;
                    if (inside) {
                        const std::size_t first = oh * sh * w + ow * sw;
                        best = image[first];
                        at = first;
                        for (std::size_t i = 0; i < kh; ++i)
                            for (std::size_t j = 0; j < kw; ++j) {
                                // Branch-free: which tap wins is a coin flip on most data.
                                const std::size_t tap = first + i * dh * w + j * dw;
                                const bool wins = image[tap] > best;
                                best = wins ? image[tap] : best;
                                at = wins ? tap : at;
                            }
                    } else {
                        for (std::size_t i = 0; i < kh; ++i) {
                            const std::size_t ih = oh * sh + i * dh - ph;
                            if (ih >= h) continue;  // above or below the image (unsigned wrap)
                            for (std::size_t j = 0; j < kw; ++j) {
                                const std::size_t iw = ow * sw + j * dw - pw;
                                if (iw >= w) continue;
                                const std::size_t tap = ih * w + iw;
                                if (at == kNoWinner || image[tap] > best) {
                                    best = image[tap];
                                    at = tap;
                                }
                            }
                        }
                    }
                    out[k] = best;
                    if constexpr (keep) won[k] = static_cast<Winner>(at);
                }
        }
    };
    const auto scan = [&](auto keep_winners) {
        xtgrad::detail::parallel_for<T>(
            planes,
            [&](std::size_t begin, std::size_t end) { scan_planes(keep_winners, begin, end); },
            plane_in);
    };
    if (!recorded) {
        scan(std::false_type{});
        return unrecorded_result(op_info::max_pool2d, std::move(y));
    }
    scan(std::true_type{});
    const auto composed_form = [window, ceil_mode](const std::vector<Tensor<T>>& v) {
        return xtgrad::max_pool2d(v[0], window, ceil_mode);
    };
    return record_op(
        op_info::max_pool2d, std::move(y), {x},
        [winners, planes, plane_in, plane_out](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            const bool accumulate = slot.accumulate;
            const T* go = ctx.grad_output().data();
            const Winner* won = winners->data();
            T* dx = slot.data();
            // A plane's winners lie in its own plane: the threads take runs of planes.
            xtgrad::detail::parallel_for<T>(
                planes,
                [&](std::size_t begin, std::size_t end) {
                    if (!accumulate) std::fill(dx + begin * plane_in, dx + end * plane_in, T(0));
                    for (std::size_t plane = begin; plane < end; ++plane) {
                        T* image = dx + plane * plane_in;
                        for (std::size_t k = plane * plane_out; k < (plane + 1) * plane_out; ++k)
                            if (won[k] != kNoWinner) image[won[k]] += go[k];
                    }
                },
                plane_in);
        },
        recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Window2d& window, bool ceil_mode) {
    const auto g = xtgrad::detail::window_geometry("avg_pool2d", x.shape(), window, ceil_mode);
    auto counts = std::make_shared<std::vector<std::size_t>>(xtgrad::detail::pool_tap_counts(g));
    // Calls f(output index, input index) for every pixel of every window (padding skipped).
    const auto for_each_tap = [g](auto&& f) {
        const auto& [kernel, stride, padding, dilation] = g.window;
        std::size_t k = 0;
        for (std::size_t plane = 0; plane < g.n * g.c; ++plane)
            for (std::size_t oh = 0; oh < g.oh; ++oh)
                for (std::size_t ow = 0; ow < g.ow; ++ow, ++k)
                    for (std::size_t i = 0; i < kernel[0]; ++i) {
                        const std::size_t ih = oh * stride[0] + i * dilation[0] - padding[0];
                        if (ih >= g.h) continue;  // in the padding (unsigned wrap)
                        for (std::size_t j = 0; j < kernel[1]; ++j) {
                            const std::size_t iw = ow * stride[1] + j * dilation[1] - padding[1];
                            if (iw < g.w) f(k, (plane * g.h + ih) * g.w + iw);
                        }
                    }
    };
    Array<T> y = xt::zeros<T>({g.n, g.c, g.oh, g.ow});
    const T* in = x.value().data();
    for_each_tap([&](std::size_t k, std::size_t at) { y.data()[k] += in[at]; });
    const std::size_t grid = g.oh * g.ow;
    for (std::size_t k = 0; k < y.size(); ++k) y.data()[k] /= static_cast<T>((*counts)[k % grid]);
    if (!needs_rules({x})) return unrecorded_result(op_info::avg_pool2d, std::move(y));
    const auto composed_form = [window, ceil_mode](const std::vector<Tensor<T>>& v) {
        return xtgrad::avg_pool2d(v[0], window, ceil_mode);
    };
    return record_op(
        op_info::avg_pool2d, std::move(y), {x},
        [for_each_tap, counts, grid](BackwardContext<T>& ctx) {
            auto slot = ctx.slot(0);
            if (!slot.accumulate) std::fill(slot.buffer.begin(), slot.buffer.end(), T(0));
            const T* go = ctx.grad_output().data();
            T* dx = slot.data();
            for_each_tap([&](std::size_t k, std::size_t at) {
                dx[at] += go[k] / static_cast<T>((*counts)[k % grid]);
            });
        },
        recomputed_backward<T>(composed_form), recomputed_tangent<T>(composed_form));
}

#define XTGRAD_INSTANTIATE(T)                                                       \
    template Tensor<T> conv2d(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, \
                              const xtgrad::Conv2dOptions&);                        \
    template Tensor<T> max_pool2d(const Tensor<T>&, const Window2d&, bool);         \
    template Tensor<T> avg_pool2d(const Tensor<T>&, const Window2d&, bool);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn::fused
