#include "onednn_conv.hpp"

#include <map>
#include <stdexcept>

#include "xtgrad/autograd/gemm_backend.hpp"

#ifdef XTGRAD_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace xtgrad::nn::detail {

#ifdef XTGRAD_HAVE_ONEDNN

namespace {

using dnnl::memory;
using Tag = memory::format_tag;

dnnl::engine& cpu_engine() {
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

/// The three primitives of one convolution shape, and xtgrad's layouts of its arrays.
struct Convolution {
    memory::desc x, weight, bias, y;  // NCHW, (g)oihw, x, NCHW
    dnnl::convolution_forward::primitive_desc forward_pd;
    dnnl::convolution_forward forward;
    dnnl::convolution_backward_data::primitive_desc data_pd;
    dnnl::convolution_backward_data backward_data;
    dnnl::convolution_backward_weights::primitive_desc weights_pd;
    dnnl::convolution_backward_weights backward_weights;
};

memory::dims dims(std::initializer_list<std::size_t> sizes) {
    memory::dims out;
    for (const std::size_t s : sizes) out.push_back(static_cast<memory::dim>(s));
    return out;
}

Convolution make_convolution(const ConvShape& s) {
    const auto f32 = memory::data_type::f32;
    const bool grouped = s.groups > 1;
    const memory::dims x = dims({s.n, s.c, s.h, s.w}), y = dims({s.n, s.out, s.oh, s.ow});
    const memory::dims weight = grouped
                                    ? dims({s.groups, s.out / s.groups, s.c / s.groups, s.kh, s.kw})
                                    : dims({s.out, s.c, s.kh, s.kw});
    const memory::dims strides = dims({s.stride[0], s.stride[1]});
    const memory::dims dilates = dims({s.dilation[0] - 1, s.dilation[1] - 1});  // 0: dense
    const memory::dims padding = dims({s.padding[0], s.padding[1]});
    const auto any = [&](const memory::dims& d) { return memory::desc(d, f32, Tag::any); };
    Convolution c;
    c.x = memory::desc(x, f32, Tag::nchw);
    c.weight = memory::desc(weight, f32, grouped ? Tag::goihw : Tag::oihw);
    c.bias = memory::desc(dims({s.out}), f32, Tag::x);
    c.y = memory::desc(y, f32, Tag::nchw);
    const auto algorithm = dnnl::algorithm::convolution_direct;
    c.forward_pd = {{dnnl::prop_kind::forward_training, algorithm, any(x), any(weight), c.bias,
                     any(y), strides, dilates, padding, padding},
                    cpu_engine()};
    c.forward = dnnl::convolution_forward(c.forward_pd);
    c.data_pd = {{algorithm, any(x), any(weight), any(y), strides, dilates, padding, padding},
                 cpu_engine(),
                 c.forward_pd};
    c.backward_data = dnnl::convolution_backward_data(c.data_pd);
    c.weights_pd = {
        {algorithm, any(x), any(weight), c.bias, any(y), strides, dilates, padding, padding},
        cpu_engine(),
        c.forward_pd};
    c.backward_weights = dnnl::convolution_backward_weights(c.weights_pd);
    return c;
}

/// This thread's primitives for shape s (creating them compiles kernels: done once).
Convolution& convolution(const ConvShape& s) {
    thread_local std::map<ConvShape, Convolution> cache;
    auto found = cache.find(s);
    if (found == cache.end()) found = cache.emplace(s, make_convolution(s)).first;
    return found->second;
}

dnnl::stream& cpu_stream() {
    thread_local dnnl::stream stream(cpu_engine());
    return stream;
}

/// An array of xtgrad's in the layout a primitive wants: the array itself, or a reordered copy.
memory input(const memory::desc& wanted, const memory::desc& mine, const float* data) {
    memory given(mine, cpu_engine(), const_cast<float*>(data));  // read only
    if (wanted == mine) return given;
    memory copy(wanted, cpu_engine());
    dnnl::reorder(given, copy).execute(cpu_stream(), given, copy);
    return copy;
}

/// Where a primitive writes an output of xtgrad's: the array itself, or a scratch copy that
/// finish() reorders into it.
struct Output {
    memory mine, written;
    Output(const memory::desc& wanted, const memory::desc& layout, float* data)
        : mine(layout, cpu_engine(), data),
          written(wanted == layout ? mine : memory(wanted, cpu_engine())) {}
    void finish() {
        if (written != mine) dnnl::reorder(written, mine).execute(cpu_stream(), written, mine);
    }
};

}  // namespace

bool onednn_convolutions() {
    return blas::backend_of<float>() == blas::Backend::onednn;
}

void onednn_conv_forward(const ConvShape& s, const float* x, const float* weight, const float* bias,
                         float* y) {
    Convolution& c = convolution(s);
    const auto& pd = c.forward_pd;
    std::vector<float> zeros;
    if (!bias) {  // the primitive has a bias: a zero one
        zeros.assign(s.out, 0.0f);
        bias = zeros.data();
    }
    Output out(pd.dst_desc(), c.y, y);
    c.forward.execute(cpu_stream(), {{DNNL_ARG_SRC, input(pd.src_desc(), c.x, x)},
                                     {DNNL_ARG_WEIGHTS, input(pd.weights_desc(), c.weight, weight)},
                                     {DNNL_ARG_BIAS, input(c.bias, c.bias, bias)},
                                     {DNNL_ARG_DST, out.written}});
    out.finish();
    cpu_stream().wait();
}

void onednn_conv_backward_data(const ConvShape& s, const float* dy, const float* weight,
                               float* dx) {
    Convolution& c = convolution(s);
    const auto& pd = c.data_pd;
    Output out(pd.diff_src_desc(), c.x, dx);
    c.backward_data.execute(cpu_stream(),
                            {{DNNL_ARG_DIFF_DST, input(pd.diff_dst_desc(), c.y, dy)},
                             {DNNL_ARG_WEIGHTS, input(pd.weights_desc(), c.weight, weight)},
                             {DNNL_ARG_DIFF_SRC, out.written}});
    out.finish();
    cpu_stream().wait();
}

void onednn_conv_backward_weights(const ConvShape& s, const float* x, const float* dy,
                                  float* dweight, float* dbias) {
    Convolution& c = convolution(s);
    const auto& pd = c.weights_pd;
    std::vector<float> unused;
    if (!dbias) {
        unused.resize(s.out);
        dbias = unused.data();
    }
    Output weights(pd.diff_weights_desc(), c.weight, dweight);
    Output bias(c.bias, c.bias, dbias);
    c.backward_weights.execute(cpu_stream(),
                               {{DNNL_ARG_SRC, input(pd.src_desc(), c.x, x)},
                                {DNNL_ARG_DIFF_DST, input(pd.diff_dst_desc(), c.y, dy)},
                                {DNNL_ARG_DIFF_WEIGHTS, weights.written},
                                {DNNL_ARG_DIFF_BIAS, bias.written}});
    weights.finish();
    cpu_stream().wait();
}

#else  // without oneDNN: never chosen

bool onednn_convolutions() {
    return false;
}

namespace {
[[noreturn]] void missing() {
    throw std::logic_error("oneDNN convolution called in a build without oneDNN");
}
}  // namespace

void onednn_conv_forward(const ConvShape&, const float*, const float*, const float*, float*) {
    missing();
}
void onednn_conv_backward_data(const ConvShape&, const float*, const float*, float*) {
    missing();
}
void onednn_conv_backward_weights(const ConvShape&, const float*, const float*, float*, float*) {
    missing();
}

#endif

}  // namespace xtgrad::nn::detail
