// float32 convolutions through oneDNN's convolution primitives (direct convolutions in the
// layouts oneDNN picks for the CPU, with reorders from and to xtgrad's NCHW arrays): the fused
// conv2d's path whenever float32 products run on oneDNN (gemm_backend.hpp), as libtorch's
// float32 convolutions do. Primitives, reorders and the buffers in oneDNN's layouts are created
// once per shape and thread, then reused; a batch runs in calls of as many images as keep a
// call's output within half the L2 cache. Internal to nn/fused_conv.cpp.
#pragma once

#include <array>
#include <cstddef>

namespace xtgrad::nn::detail {

/// A convolution's sizes: x (n, c, h, w), weight (out, c / groups, kh, kw), y (n, out, oh, ow).
struct ConvShape {
    std::size_t n, c, h, w, out, kh, kw, oh, ow, groups;
    std::array<std::size_t, 2> stride, padding, dilation;
    auto operator<=>(const ConvShape&) const = default;
};

/// True when the build has oneDNN and float32 products run on it now.
bool onednn_convolutions();

/// y = conv(x, weight) + bias; bias may be null.
void onednn_conv_forward(const ConvShape& s, const float* x, const float* weight, const float* bias,
                         float* y);
/// dx = the input gradient for output gradient dy (overwritten).
void onednn_conv_backward_data(const ConvShape& s, const float* dy, const float* weight, float* dx);
/// dweight and dbias (may be null) for input x and output gradient dy (overwritten).
void onednn_conv_backward_weights(const ConvShape& s, const float* x, const float* dy,
                                  float* dweight, float* dbias);

}  // namespace xtgrad::nn::detail
