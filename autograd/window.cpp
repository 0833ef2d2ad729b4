#include "xtgrad/autograd/window.hpp"

#include <algorithm>
#include <string>

namespace xtgrad::detail {

namespace {

std::string pair_text(const std::array<std::size_t, 2>& p) {
    return "(" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + ")";
}

/// Calls line(row_out, source, valid_from, valid_to) for every (output position, channel, kernel
/// row) in the order of the columns: the kernel row's kw entries start at row_out; entry j reads
/// source[j * dw] for j in [valid_from, valid_to) and lies in the padding otherwise (source is
/// null when the whole kernel row does). Bounds are worked out per line, not per entry.
template <class T, class Image, class Line>
void for_each_kernel_row(const WindowGeometry& g, T* out, Image* image, Line line) {
    const auto& [kernel, stride, padding, dilation] = g.window;
    const auto h = static_cast<std::ptrdiff_t>(g.h);
    const auto w = static_cast<std::ptrdiff_t>(g.w);
    const auto kw = static_cast<std::ptrdiff_t>(kernel[1]);
    const auto dw = static_cast<std::ptrdiff_t>(dilation[1]);
    for (std::size_t n = 0; n < g.n; ++n)
        for (std::size_t oh = 0; oh < g.oh; ++oh) {
            const auto h0 = static_cast<std::ptrdiff_t>(oh * stride[0]) -
                            static_cast<std::ptrdiff_t>(padding[0]);
            for (std::size_t ow = 0; ow < g.ow; ++ow) {
                const auto w0 = static_cast<std::ptrdiff_t>(ow * stride[1]) -
                                static_cast<std::ptrdiff_t>(padding[1]);
                const std::ptrdiff_t from = w0 >= 0 ? 0 : std::min(kw, (-w0 + dw - 1) / dw);
                const std::ptrdiff_t to = w0 >= w ? 0 : std::min(kw, (w - 1 - w0) / dw + 1);
                for (std::size_t c = 0; c < g.c; ++c) {
                    Image* plane = image + (n * g.c + c) * g.h * g.w;
                    for (std::size_t i = 0; i < kernel[0]; ++i, out += kw) {
                        const std::ptrdiff_t ih = h0 + static_cast<std::ptrdiff_t>(i * dilation[0]);
                        if (ih < 0 || ih >= h) {
                            line(out, static_cast<Image*>(nullptr), 0, 0);
                        } else {
                            line(out, plane + ih * w + w0, from, std::max(from, to));
                        }
                    }
                }
            }
        }
}
}  // namespace

WindowGeometry window_geometry(std::string_view op, const Shape& image_shape,
                               const Window2d& window, bool ceil_mode) {
    if (image_shape.size() != 4)
        throw ShapeError(op, image_shape, "needs an (N, C, H, W) image batch");
    const auto& [kernel, stride, padding, dilation] = window;
    for (std::size_t a = 0; a < 2; ++a) {
        if (kernel[a] == 0 || stride[a] == 0 || dilation[a] == 0)
            throw ShapeError(op, image_shape,
                             "kernel " + pair_text(kernel) + ", stride " + pair_text(stride) +
                                 " and dilation " + pair_text(dilation) + " must be positive");
        const std::size_t extent = dilation[a] * (kernel[a] - 1) + 1;
        const std::size_t padded = image_shape[2 + a] + 2 * padding[a];
        if (extent > padded)
            throw ShapeError(op, image_shape,
                             "kernel " + pair_text(kernel) + " with dilation " +
                                 pair_text(dilation) + " spans " + std::to_string(extent) +
                                 " pixels, more than the padded input's " + std::to_string(padded));
    }
    WindowGeometry g{image_shape[0], image_shape[1], image_shape[2], image_shape[3], 0, 0, window};
    std::array<std::size_t, 2> counts{};
    for (std::size_t a = 0; a < 2; ++a) {
        const std::size_t size = image_shape[2 + a];
        const std::size_t room = size + 2 * padding[a] - dilation[a] * (kernel[a] - 1) - 1;
        counts[a] = room / stride[a] + 1;
        if (ceil_mode) {
            counts[a] = (room + stride[a] - 1) / stride[a] + 1;
            if ((counts[a] - 1) * stride[a] >= size + padding[a]) --counts[a];  // starts past it
        }
    }
    g.oh = counts[0];
    g.ow = counts[1];
    return g;
}

void check_conv2d_shapes(const Shape& x, const Shape& weight, const Shape* bias,
                         std::size_t groups) {
    const bool grouped = groups > 1;
    if (groups == 0 || weight.size() != 4 || x.size() != 4 || weight[1] * groups != x[1] ||
        weight[0] % groups != 0)
        throw ShapeError("conv2d", x, weight,
                         grouped ? "needs input (N, C, H, W) and weight (out, C / groups, kh, kw) "
                                   "with out and C divisible by groups (" +
                                       std::to_string(groups) + ")"
                                 : std::string("needs input (N, C, H, W) and weight (out, C, kh, "
                                               "kw) with the same C") +
                                       (groups == 0 ? " (and groups > 0)" : ""));
    if (bias && *bias != Shape{weight[0]})
        throw ShapeError("conv2d", *bias, weight, "bias needs one entry per output channel");
}

std::vector<std::size_t> pool_tap_counts(const WindowGeometry& g) {
    const auto& w = g.window;
    const auto taps = [&](std::size_t a, std::size_t position) {
        const std::size_t limit = (a == 0 ? g.h : g.w) + 2 * w.padding[a];  // padded coordinates
        std::size_t count = 0;
        for (std::size_t i = 0; i < w.kernel[a]; ++i)
            count += position * w.stride[a] + i * w.dilation[a] < limit;
        return count;
    };
    std::vector<std::size_t> counts(g.oh * g.ow);
    for (std::size_t i = 0; i < g.oh; ++i)
        for (std::size_t j = 0; j < g.ow; ++j) counts[i * g.ow + j] = taps(0, i) * taps(1, j);
    return counts;
}

std::array<std::size_t, 2> ceil_mode_padding(std::string_view op, const Shape& image_shape,
                                             const Window2d& window) {
    const WindowGeometry g = window_geometry(op, image_shape, window, true);
    std::array<std::size_t, 2> extra{};
    const std::array<std::size_t, 2> counts{g.oh, g.ow};
    for (std::size_t a = 0; a < 2; ++a) {
        const std::size_t needed =
            (counts[a] - 1) * window.stride[a] + window.dilation[a] * (window.kernel[a] - 1) + 1;
        const std::size_t have = image_shape[2 + a] + 2 * window.padding[a];
        extra[a] = needed > have ? needed - have : 0;
    }
    return extra;
}

template <class T>
void im2col(const WindowGeometry& g, const T* image, T pad_value, T* cols) {
    const auto kw = static_cast<std::ptrdiff_t>(g.window.kernel[1]);
    const auto dw = static_cast<std::ptrdiff_t>(g.window.dilation[1]);
    for_each_kernel_row(g, cols, image,
                        [&](T* out, const T* source, std::ptrdiff_t from, std::ptrdiff_t to) {
                            for (std::ptrdiff_t j = 0; j < from; ++j) out[j] = pad_value;
                            for (std::ptrdiff_t j = from; j < to; ++j) out[j] = source[j * dw];
                            for (std::ptrdiff_t j = to; j < kw; ++j) out[j] = pad_value;
                        });
}

template <class T>
void col2im_add(const WindowGeometry& g, const T* cols, T* image) {
    const auto dw = static_cast<std::ptrdiff_t>(g.window.dilation[1]);
    for_each_kernel_row(g, cols, image,
                        [&](const T* in, T* target, std::ptrdiff_t from, std::ptrdiff_t to) {
                            for (std::ptrdiff_t j = from; j < to; ++j) target[j * dw] += in[j];
                        });
}

namespace {

/// Calls line(out_row, source_row, from, to) for every (c, i, j, oh) of one image, out_row
/// being the OW outputs of that kernel entry along output row oh: output ow reads
/// source_row[ow * sw] for ow in [from, to) and lies in the padding otherwise (source_row is
/// null when the whole output row does).
template <class T, class Image, class Line>
void for_each_output_row(const WindowGeometry& g, T* cols, Image* image, Line line) {
    const auto& [kernel, stride, padding, dilation] = g.window;
    const auto h = static_cast<std::ptrdiff_t>(g.h);
    const auto w = static_cast<std::ptrdiff_t>(g.w);
    const auto ow_count = static_cast<std::ptrdiff_t>(g.ow);
    const auto sw = static_cast<std::ptrdiff_t>(stride[1]);
    for (std::size_t c = 0; c < g.c; ++c)
        for (std::size_t i = 0; i < kernel[0]; ++i)
            for (std::size_t j = 0; j < kernel[1]; ++j) {
                // Column of the image entry j reads at output ow: ow * sw + offset.
                const auto offset = static_cast<std::ptrdiff_t>(j * dilation[1]) -
                                    static_cast<std::ptrdiff_t>(padding[1]);
                const std::ptrdiff_t from =
                    offset >= 0 ? 0 : std::min(ow_count, (-offset + sw - 1) / sw);
                const std::ptrdiff_t to =
                    offset >= w ? 0 : std::min(ow_count, (w - 1 - offset) / sw + 1);
                for (std::size_t oh = 0; oh < g.oh; ++oh, cols += g.ow) {
                    const std::ptrdiff_t ih =
                        static_cast<std::ptrdiff_t>(oh * stride[0] + i * dilation[0]) -
                        static_cast<std::ptrdiff_t>(padding[0]);
                    if (ih < 0 || ih >= h) {
                        line(cols, static_cast<Image*>(nullptr), 0, 0);
                    } else {
                        line(cols, image + (c * g.h + static_cast<std::size_t>(ih)) * g.w + offset,
                             from, std::max(from, to));
                    }
                }
            }
}

}  // namespace

template <class T>
void im2col_image(const WindowGeometry& g, const T* image, T* cols) {
    const auto sw = static_cast<std::ptrdiff_t>(g.window.stride[1]);
    const auto ow = static_cast<std::ptrdiff_t>(g.ow);
    for_each_output_row(g, cols, image,
                        [&](T* out, const T* source, std::ptrdiff_t from, std::ptrdiff_t to) {
                            std::fill(out, out + from, T(0));
                            if (sw == 1) {  // the common case; rows are short: no memmove call
                                for (std::ptrdiff_t k = from; k < to; ++k) out[k] = source[k];
                            } else {
                                for (std::ptrdiff_t k = from; k < to; ++k) out[k] = source[k * sw];
                            }
                            std::fill(out + to, out + ow, T(0));
                        });
}

template <class T>
void col2im_image_add(const WindowGeometry& g, const T* cols, T* image) {
    const auto sw = static_cast<std::ptrdiff_t>(g.window.stride[1]);
    for_each_output_row(g, cols, image,
                        [&](const T* in, T* target, std::ptrdiff_t from, std::ptrdiff_t to) {
                            if (sw == 1) {
                                for (std::ptrdiff_t k = from; k < to; ++k) target[k] += in[k];
                            } else {
                                for (std::ptrdiff_t k = from; k < to; ++k) target[k * sw] += in[k];
                            }
                        });
}

#define XTGRAD_INSTANTIATE(T)                                        \
    template void im2col(const WindowGeometry&, const T*, T, T*);    \
    template void col2im_add(const WindowGeometry&, const T*, T*);   \
    template void im2col_image(const WindowGeometry&, const T*, T*); \
    template void col2im_image_add(const WindowGeometry&, const T*, T*);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::detail
