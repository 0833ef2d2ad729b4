// Sliding windows over (N, C, H, W) images: the geometry of a convolution or pooling window and
// the im2col / col2im kernels that unfold, fold and the fused convolution share.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "xtgrad/autograd/array.hpp"

namespace xtgrad {

/// A 2-D window: kernel size, stride, zero (or pad-value) padding on both sides, and dilation,
/// each as (height, width), as in torch.nn.functional.unfold / conv2d / max_pool2d.
struct Window2d {
    std::array<std::size_t, 2> kernel = {1, 1};
    std::array<std::size_t, 2> stride = {1, 1};
    std::array<std::size_t, 2> padding = {0, 0};
    std::array<std::size_t, 2> dilation = {1, 1};
};

namespace detail {

/// An image batch (N, C, H, W) under a window: the output grid (OH, OW) has
/// OH = (H + 2 ph - dh (kh - 1) - 1) / sh + 1, and likewise for OW.
struct WindowGeometry {
    std::size_t n, c, h, w;
    std::size_t oh, ow;
    Window2d window;

    std::size_t rows() const { return n * oh * ow; }  // one per output position
    std::size_t columns() const { return c * window.kernel[0] * window.kernel[1]; }
};

/// Validates image_shape (rank 4) and the window (kernel, stride and dilation > 0; the dilated
/// kernel fits the padded image); throws ShapeError naming op and the sizes at fault.
/// ceil_mode (pooling) rounds the output grid up as PyTorch's ceil_mode does: a last, partial
/// window counts if it starts inside the input or its leading padding.
WindowGeometry window_geometry(std::string_view op, const Shape& image_shape,
                               const Window2d& window, bool ceil_mode = false);

/// Checks conv2d's operands: x (N, C, H, W), weight (out, C / groups, kh, kw) with out and C
/// divisible by groups > 0, bias (out) unless null; throws ShapeError naming conv2d and the
/// shapes.
void check_conv2d_shapes(const Shape& x, const Shape& weight, const Shape* bias,
                         std::size_t groups);

/// avg_pool2d's divisor at each output position (OH OW), as PyTorch counts it with
/// count_include_pad: the window's taps inside the padded input (all of them unless a ceil-mode
/// window runs past it).
std::vector<std::size_t> pool_tap_counts(const WindowGeometry& g);

/// The padding to add at the bottom and right of an image for the ordinary (floor) grid to be
/// ceil_mode's grid: zero where the two agree.
std::array<std::size_t, 2> ceil_mode_padding(std::string_view op, const Shape& image_shape,
                                             const Window2d& window);

/// cols (rows(), columns()): row (n, oh, ow) holds the window's values channel by channel,
/// column (c, i, j); positions in the padding read pad_value.
template <class T>
void im2col(const WindowGeometry& g, const T* image, T pad_value, T* cols);

/// The adjoint of im2col: adds each entry of cols to the image element it was read from
/// (entries from the padding are dropped).
template <class T>
void col2im_add(const WindowGeometry& g, const T* cols, T* image);

/// One image's columns in the other layout, (C kh kw, OH OW): row (c, i, j) holds what that
/// kernel entry sees at every output position, so that weight (out, C kh kw) times the columns
/// is the image's output (out, OH OW) in place. image points at sample n's (C, H, W).
template <class T>
void im2col_image(const WindowGeometry& g, const T* image, T* cols);
/// The adjoint of im2col_image: adds the columns back into one image (C, H, W).
template <class T>
void col2im_image_add(const WindowGeometry& g, const T* cols, T* image);

#define XTGRAD_EXTERN(T)                                                    \
    extern template void im2col(const WindowGeometry&, const T*, T, T*);    \
    extern template void col2im_add(const WindowGeometry&, const T*, T*);   \
    extern template void im2col_image(const WindowGeometry&, const T*, T*); \
    extern template void col2im_image_add(const WindowGeometry&, const T*, T*);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace detail
}  // namespace xtgrad
