#include "onednn_conv.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include <unistd.h>

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

dnnl::stream& cpu_stream() {
    thread_local dnnl::stream stream(cpu_engine());
    return stream;
}

/// One array's way between xtgrad's layout and the one a primitive wants: the reorder and the
/// primitive's buffer, made once (the buffer on first use) and reused by every call, so that a
/// step neither rebuilds a reorder nor allocates and faults in a fresh buffer.
class Staging {
  public:
    Staging() = default;
    /// `mine` is xtgrad's layout, `theirs` the primitive's; `into_primitive` says which way.
    Staging(const memory::desc& mine, const memory::desc& theirs, bool into_primitive)
        : mine_(mine), theirs_(theirs) {
        if (mine == theirs) return;
        const auto& engine = cpu_engine();
        reorder_ = into_primitive
                       ? dnnl::reorder(dnnl::reorder::primitive_desc(engine, mine, engine, theirs))
                       : dnnl::reorder(dnnl::reorder::primitive_desc(engine, theirs, engine, mine));
    }

    /// An input: xtgrad's array itself, or its copy in the primitive's layout.
    memory input(const float* data) {
        memory given(mine_, cpu_engine(), const_cast<float*>(data));  // read only
        if (!reorder_) return given;
        reorder_.execute(cpu_stream(), given, buffer());
        return buffer();
    }
    /// Where the primitive writes an output: xtgrad's array itself, or the buffer that
    /// finish(data) then reorders into it.
    memory output(float* data) { return reorder_ ? buffer() : memory(mine_, cpu_engine(), data); }
    void finish(float* data) {
        if (!reorder_) return;
        memory mine(mine_, cpu_engine(), data);
        reorder_.execute(cpu_stream(), buffer(), mine);
    }

  private:
    memory& buffer() {
        if (!buffer_) buffer_ = memory(theirs_, cpu_engine());
        return buffer_;
    }

    memory::desc mine_, theirs_;
    dnnl::reorder reorder_;
    memory buffer_;
};

/// The three primitives of one convolution shape, and each array's staging.
struct Convolution {
    dnnl::convolution_forward forward;
    dnnl::convolution_backward_data backward_data;
    dnnl::convolution_backward_weights backward_weights;
    Staging forward_x, forward_weight, forward_y;                   // forward
    Staging data_dy, data_weight, data_dx;                          // backward, input gradient
    Staging weights_x, weights_dy, weights_dweight, weights_dbias;  // backward, weight gradient
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
    // xtgrad's layouts: NCHW, (g)oihw, x.
    const memory::desc my_x(x, f32, Tag::nchw), my_y(y, f32, Tag::nchw);
    const memory::desc my_weight(weight, f32, grouped ? Tag::goihw : Tag::oihw);
    const memory::desc bias(dims({s.out}), f32, Tag::x);
    const auto algorithm = dnnl::algorithm::convolution_direct;
    const dnnl::convolution_forward::primitive_desc forward_pd{
        {dnnl::prop_kind::forward_training, algorithm, any(x), any(weight), bias, any(y), strides,
         dilates, padding, padding},
        cpu_engine()};
    const dnnl::convolution_backward_data::primitive_desc data_pd{
        {algorithm, any(x), any(weight), any(y), strides, dilates, padding, padding},
        cpu_engine(),
        forward_pd};
    const dnnl::convolution_backward_weights::primitive_desc weights_pd{
        {algorithm, any(x), any(weight), bias, any(y), strides, dilates, padding, padding},
        cpu_engine(),
        forward_pd};
    Convolution c;
    c.forward = dnnl::convolution_forward(forward_pd);
    c.backward_data = dnnl::convolution_backward_data(data_pd);
    c.backward_weights = dnnl::convolution_backward_weights(weights_pd);
    c.forward_x = Staging(my_x, forward_pd.src_desc(), true);
    c.forward_weight = Staging(my_weight, forward_pd.weights_desc(), true);
    c.forward_y = Staging(my_y, forward_pd.dst_desc(), false);
    c.data_dy = Staging(my_y, data_pd.diff_dst_desc(), true);
    c.data_weight = Staging(my_weight, data_pd.weights_desc(), true);
    c.data_dx = Staging(my_x, data_pd.diff_src_desc(), false);
    c.weights_x = Staging(my_x, weights_pd.src_desc(), true);
    c.weights_dy = Staging(my_y, weights_pd.diff_dst_desc(), true);
    c.weights_dweight = Staging(my_weight, weights_pd.diff_weights_desc(), false);
    c.weights_dbias = Staging(bias, weights_pd.diff_bias_desc(), false);
    return c;
}

/// This thread's primitives for shape s (creating them compiles kernels: done once).
Convolution& convolution(const ConvShape& s) {
    thread_local std::map<ConvShape, Convolution> cache;
    auto found = cache.find(s);
    if (found == cache.end()) found = cache.emplace(s, make_convolution(s)).first;
    return found->second;
}

std::size_t x_image(const ConvShape& s) {
    return s.c * s.h * s.w;
}
std::size_t y_image(const ConvShape& s) {
    return s.out * s.oh * s.ow;
}

/// Images per primitive call: as many as keep a call's output, in oneDNN's layout (channels in
/// blocks of 16), within half of this CPU's L2 cache, so that its reorder into NCHW reads it from
/// cache rather than memory. The CNN's first layer at batch 100 (output 5 MB) on a 2 MiB L2:
/// 20 images a call; its primitives and reorders alone then took 0.8x the whole batch's time,
/// and the CNN's epoch about 0.93x (bench/README.md).
std::size_t images_per_call(const ConvShape& s) {
    static const std::size_t budget = [] {
        const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
        return l2 > 0 ? static_cast<std::size_t>(l2) / 2 : std::size_t{512} << 10;
    }();
    const std::size_t blocked_channels = (s.out + 15) / 16 * 16;
    const std::size_t image_bytes = blocked_channels * s.oh * s.ow * sizeof(float);
    return std::clamp<std::size_t>(budget / std::max<std::size_t>(image_bytes, 1), 1, s.n);
}

/// call(part, first) over the batch in chunks of images: the chunks' sizes differ by at most
/// one (two shapes of primitives at most), and depend only on the shape and the L2 size.
template <class Call>
void for_each_chunk(const ConvShape& s, const Call& call) {
    if (s.n == 0) return;
    const std::size_t chunks = (s.n + images_per_call(s) - 1) / images_per_call(s);
    const std::size_t base = s.n / chunks, extra = s.n % chunks;
    std::size_t first = 0;
    for (std::size_t k = 0; k < chunks; ++k) {
        ConvShape part = s;
        part.n = base + (k < extra ? 1 : 0);
        call(part, first);
        first += part.n;
    }
}

}  // namespace

bool onednn_convolutions() {
    return blas::backend_of<float>() == blas::Backend::onednn;
}

void onednn_conv_forward(const ConvShape& s, const float* x, const float* weight, const float* bias,
                         float* y) {
    std::vector<float> zeros;
    if (!bias) {  // the primitive has a bias: a zero one
        zeros.assign(s.out, 0.0f);
        bias = zeros.data();
    }
    const memory::desc bias_layout(dims({s.out}), memory::data_type::f32, Tag::x);
    const memory bias_memory(bias_layout, cpu_engine(), const_cast<float*>(bias));
    const Convolution* prepared = nullptr;  // whose weights are in `weights` (chunks share them)
    memory weights;
    for_each_chunk(s, [&](const ConvShape& part, std::size_t first) {
        Convolution& c = convolution(part);
        if (prepared != &c) weights = c.forward_weight.input(weight);
        prepared = &c;
        float* chunk_y = y + first * y_image(s);
        c.forward.execute(cpu_stream(), {{DNNL_ARG_SRC, c.forward_x.input(x + first * x_image(s))},
                                         {DNNL_ARG_WEIGHTS, weights},
                                         {DNNL_ARG_BIAS, bias_memory},
                                         {DNNL_ARG_DST, c.forward_y.output(chunk_y)}});
        c.forward_y.finish(chunk_y);
    });
    cpu_stream().wait();
}

void onednn_conv_backward_data(const ConvShape& s, const float* dy, const float* weight,
                               float* dx) {
    const Convolution* prepared = nullptr;  // as in the forward
    memory weights;
    for_each_chunk(s, [&](const ConvShape& part, std::size_t first) {
        Convolution& c = convolution(part);
        if (prepared != &c) weights = c.data_weight.input(weight);
        prepared = &c;
        float* chunk_dx = dx + first * x_image(s);
        c.backward_data.execute(cpu_stream(),
                                {{DNNL_ARG_DIFF_DST, c.data_dy.input(dy + first * y_image(s))},
                                 {DNNL_ARG_WEIGHTS, weights},
                                 {DNNL_ARG_DIFF_SRC, c.data_dx.output(chunk_dx)}});
        c.data_dx.finish(chunk_dx);
    });
    cpu_stream().wait();
}

void onednn_conv_backward_weights(const ConvShape& s, const float* x, const float* dy,
                                  float* dweight, float* dbias) {
    const std::size_t weight_size = s.out * (s.c / s.groups) * s.kh * s.kw;
    std::vector<float> unused;
    if (!dbias) {
        unused.resize(s.out);
        dbias = unused.data();
    }
    // The first chunk writes the gradients, each later one writes its own that are added in
    // chunk order (a fixed order: the same bits every step), into buffers kept for the next step.
    thread_local std::vector<float> part_weight, part_bias;
    for_each_chunk(s, [&](const ConvShape& part, std::size_t first) {
        Convolution& c = convolution(part);
        if (first > 0) {
            part_weight.resize(weight_size);
            part_bias.resize(s.out);
        }
        float* dw = first == 0 ? dweight : part_weight.data();
        float* db = first == 0 ? dbias : part_bias.data();
        c.backward_weights.execute(
            cpu_stream(), {{DNNL_ARG_SRC, c.weights_x.input(x + first * x_image(s))},
                           {DNNL_ARG_DIFF_DST, c.weights_dy.input(dy + first * y_image(s))},
                           {DNNL_ARG_DIFF_WEIGHTS, c.weights_dweight.output(dw)},
                           {DNNL_ARG_DIFF_BIAS, c.weights_dbias.output(db)}});
        c.weights_dweight.finish(dw);
        c.weights_dbias.finish(db);
        if (first == 0) return;
        cpu_stream().wait();
        for (std::size_t i = 0; i < weight_size; ++i) dweight[i] += dw[i];
        for (std::size_t i = 0; i < s.out; ++i) dbias[i] += db[i];
    });
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
