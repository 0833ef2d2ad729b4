#include "xtgrad/autograd/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "xtgrad/autograd/forward_mode.hpp"
#include "xtgrad/autograd/grad.hpp"
#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/autograd/tape.hpp"

namespace xtgrad {

GradcheckOptions GradcheckOptions::for_float() {
    GradcheckOptions options;
    options.eps = 1e-3;
    options.rtol = 1e-2;
    options.atol = 1e-3;
    return options;
}

namespace {

/// Fixed pseudo-random weights in [-1, 1): the same for the same seed on every platform.
template <class T>
Array<T> projection(const Shape& shape, std::uint64_t seed) {
    std::mt19937_64 engine(seed);
    Array<T> weights = empty_array<T>(shape);
    for (auto& w : weights)
        w = static_cast<T>(static_cast<double>(engine() >> 11) * 0x1.0p-52 - 1.0);
    return weights;
}

template <class T>
double project(const Array<T>& values, const Array<T>& weights) {
    double total = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
        total += static_cast<double>(values.data()[i]) * static_cast<double>(weights.data()[i]);
    return total;
}

bool is_differentiable(const GradcheckOptions& options, std::size_t input) {
    return options.differentiable.empty() ||
           (input < options.differentiable.size() && options.differentiable[input]);
}

template <class T>
std::vector<Tensor<T>> make_leaves(const std::vector<Array<T>>& inputs,
                                   const GradcheckOptions& options) {
    std::vector<Tensor<T>> leaves;
    for (std::size_t k = 0; k < inputs.size(); ++k)
        leaves.emplace_back(Array<T>(inputs[k]), is_differentiable(options, k));
    return leaves;
}

/// Infinite for any NaN or Inf, even two equal infinities: a gradient check is only meaningful
/// on finite values (Inf / Inf would be a NaN ratio that no comparison catches).
double error_ratio(double a, double b, const GradcheckOptions& options) {
    if (!std::isfinite(a) || !std::isfinite(b)) return std::numeric_limits<double>::infinity();
    const double diff = std::abs(a - b);
    if (diff == 0) return 0;  // also with atol 0 at a == b == 0
    return diff / (options.atol + options.rtol * std::max(std::abs(a), std::abs(b)));
}

std::string non_finite_note(double a, double b) {
    return std::isfinite(a) && std::isfinite(b) ? std::string() : " (a non-finite value)";
}

/// The first NaN or Inf of values, as a message, or empty if all are finite.
template <class T>
std::string first_non_finite(const Array<T>& values, const std::string& what) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = static_cast<double>(values.data()[i]);
        if (!std::isfinite(v))
            return what + " has a non-finite value (" + (std::isnan(v) ? "NaN" : "Inf") +
                   ") at flat index " + std::to_string(i) + " of shape " +
                   to_string(values.shape());
    }
    return {};
}

/// Why a check over these inputs and this output would check nothing, or empty.
template <class T>
std::string nothing_to_check(const std::vector<Array<T>>& inputs, const Shape& output,
                             const GradcheckOptions& options) {
    if (inputs.empty()) return "gradcheck has nothing to check: no inputs";
    std::size_t elements = 0;
    bool any_differentiable = false;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        if (!is_differentiable(options, k)) continue;
        any_differentiable = true;
        elements += inputs[k].size();
    }
    if (!any_differentiable) return "gradcheck has nothing to check: no input is differentiable";
    if (elements == 0)
        return "gradcheck has nothing to check: the differentiable inputs have no elements";
    if (element_count(output) == 0)
        return "gradcheck has nothing to check: the output " + to_string(output) +
               " has no elements";
    return {};
}

template <class T>
const Array<T>& gradient_or_zeros(const Tensor<T>& leaf, Array<T>& zeros) {
    if (leaf.has_grad()) return leaf.grad();
    zeros = empty_array<T>(leaf.shape());
    std::fill(zeros.begin(), zeros.end(), T(0));
    return zeros;
}

/// Tracks the element with the largest error ratio.
struct Worst {
    double ratio = -1;
    std::size_t input = 0;
    std::size_t index = 0;
    double a = 0;
    double b = 0;

    void offer(double r, std::size_t k, std::size_t i, double va, double vb) {
        if (r > ratio) *this = {r, k, i, va, vb};
    }
};

std::string element_name(std::size_t input, std::size_t index, const Shape& shape) {
    return "input " + std::to_string(input) + ", element " + std::to_string(index) + " of shape " +
           to_string(shape);
}

}  // namespace

template <class T>
GradcheckResult gradcheck(const std::type_identity_t<TensorFunction<T>>& f,
                          const std::vector<Array<T>>& inputs, const GradcheckOptions& options) {
    GradcheckResult result;
    std::vector<Tensor<T>> leaves = make_leaves(inputs, options);
    Tensor<T> out = f(leaves);
    const Array<T> weights = projection<T>(out.shape(), options.seed);

    result.message = nothing_to_check(inputs, out.shape(), options);
    if (result.message.empty()) result.message = first_non_finite(out.value(), "the output");
    if (result.message.empty() && !out.requires_grad())
        result.message = "the output does not require a gradient: the function recorded nothing";
    if (!result.message.empty()) {
        result.ok = false;
        return result;
    }
    out.backward(weights);

    Worst worst;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        if (!is_differentiable(options, k)) continue;
        Array<T> zeros;
        const Array<T>& analytic = gradient_or_zeros(leaves[k], zeros);
        for (std::size_t i = 0; i < inputs[k].size(); ++i) {
            std::vector<Tensor<T>> probe;
            for (const auto& input : inputs) probe.emplace_back(Array<T>(input));
            const T x = inputs[k].data()[i];
            const T plus = static_cast<T>(x + options.eps);
            const T minus = static_cast<T>(x - options.eps);
            double high = 0;
            double low = 0;
            {
                NoGradGuard no_grad;
                probe[k].mutable_value().data()[i] = plus;
                high = project(f(probe).value(), weights);
                probe[k].mutable_value().data()[i] = minus;
                low = project(f(probe).value(), weights);
            }
            // Divide by the step actually taken (x +- eps rounded to T).
            const double numeric =
                (high - low) / (static_cast<double>(plus) - static_cast<double>(minus));
            const double a = static_cast<double>(analytic.data()[i]);
            worst.offer(error_ratio(a, numeric, options), k, i, a, numeric);
        }
    }
    result.input = worst.input;
    result.index = worst.index;
    result.analytic = worst.a;
    result.numeric = worst.b;
    result.error_ratio = worst.ratio;
    result.ok = worst.ratio <= 1.0;
    std::ostringstream text;
    text.precision(10);
    text << (result.ok ? "gradcheck passed; worst: " : "gradcheck FAILED at ")
         << element_name(worst.input, worst.index, inputs[worst.input].shape()) << ": analytic "
         << worst.a << ", numeric " << worst.b << non_finite_note(worst.a, worst.b) << " (error "
         << worst.ratio << "x the tolerance atol " << options.atol << " + rtol " << options.rtol
         << ")";
    result.message = text.str();
    return result;
}

template <class T>
GradcheckResult gradgradcheck(const std::type_identity_t<TensorFunction<T>>& f,
                              const std::vector<Array<T>>& inputs,
                              const GradcheckOptions& options) {
    std::vector<std::size_t> wanted;
    for (std::size_t k = 0; k < inputs.size(); ++k)
        if (is_differentiable(options, k)) wanted.push_back(k);
    Shape output_shape;
    {
        NoGradGuard no_grad;
        std::vector<Tensor<T>> probe;
        for (const auto& input : inputs) probe.emplace_back(Array<T>(input));
        output_shape = f(probe).shape();
    }
    std::vector<Tensor<T>> directions;  // u_k, one per wanted input
    for (std::size_t j = 0; j < wanted.size(); ++j)
        directions.emplace_back(projection<T>(inputs[wanted[j]].shape(), options.seed + 1 + j));

    const TensorFunction<T> first_gradient = [&](const std::vector<Tensor<T>>& in) {
        // gradcheck calls this with recording leaves (then the gradient's graph is kept for its
        // backward) and, for its finite differences, under NoGradGuard with plain values (then
        // the first gradient is still taken, on fresh leaves, but not recorded).
        const bool recording = grad_enabled();
        GradModeGuard enable(true);
        std::vector<Tensor<T>> xs;
        for (std::size_t k = 0; k + 1 < in.size(); ++k)
            xs.push_back(recording ? in[k] : Tensor<T>(Array<T>(in[k].value()), false));
        std::vector<Tensor<T>> targets;
        for (std::size_t k : wanted) {
            if (!recording) xs[k].set_requires_grad(true);
            targets.push_back(xs[k]);
        }
        const Tensor<T> out = f(xs);
        Tensor<T> total = scalar(T(0));
        if (!out.requires_grad()) return total;
        const auto gradients =
            grad<T>({out}, targets, {in.back()}, {.create_graph = recording, .allow_unused = true});
        GradModeGuard restore(recording);
        for (std::size_t j = 0; j < gradients.size(); ++j)
            if (gradients[j].defined()) total = total + sum(gradients[j] * directions[j]);
        return total;
    };
    std::vector<Array<T>> extended = inputs;
    extended.push_back(projection<T>(output_shape, options.seed + 1000));
    GradcheckOptions extended_options = options;
    if (!extended_options.differentiable.empty()) extended_options.differentiable.push_back(true);
    try {
        GradcheckResult result = gradcheck<T>(first_gradient, extended, extended_options);
        result.message = "gradgradcheck: " + result.message;
        return result;
    } catch (const GraphError& e) {
        GradcheckResult result;
        result.ok = false;
        result.message = std::string("gradgradcheck FAILED: ") + e.what();
        return result;
    }
}

template <class T>
GradcheckResult tangentcheck(const std::type_identity_t<TensorFunction<T>>& f,
                             const std::vector<Array<T>>& inputs, const GradcheckOptions& options) {
    GradcheckResult result;
    std::vector<Array<T>> directions(inputs.size());
    for (std::size_t k = 0; k < inputs.size(); ++k)
        if (is_differentiable(options, k))
            directions[k] = projection<T>(inputs[k].shape(), options.seed + 100 + k);
    const auto shifted = [&](double step) {  // x + step u, as plain tensors
        std::vector<Tensor<T>> probe;
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            Array<T> x = inputs[k];
            if (is_differentiable(options, k))
                for (std::size_t i = 0; i < x.size(); ++i)
                    x.data()[i] = static_cast<T>(x.data()[i] + step * directions[k].data()[i]);
            probe.emplace_back(std::move(x));
        }
        return probe;
    };
    Tensor<T> out;
    Tensor<T> tangent;
    Array<T> high;
    Array<T> low;
    try {
        NoGradGuard no_grad;
        std::vector<Tensor<T>> duals;
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            Tensor<T> x{Array<T>(inputs[k])};
            duals.push_back(is_differentiable(options, k) ? make_dual(x, Tensor<T>(directions[k]))
                                                          : x);
        }
        out = f(duals);
        tangent = tangent_of(out);
        high = f(shifted(options.eps)).value();
        low = f(shifted(-options.eps)).value();
    } catch (const GraphError& e) {
        result.ok = false;
        result.message = std::string("tangentcheck FAILED: ") + e.what();
        return result;
    }
    result.message = nothing_to_check(inputs, out.shape(), options);
    if (result.message.empty() && !tangent.defined())
        result.message = "the output carries no tangent: no op of f has a tangent rule";
    if (!result.message.empty()) {
        result.ok = false;
        result.message = "tangentcheck: " + result.message;
        return result;
    }
    Worst worst;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const double numeric =
            (static_cast<double>(high.data()[i]) - low.data()[i]) / (2 * options.eps);
        const double a = tangent.value().data()[i];
        worst.offer(error_ratio(a, numeric, options), 0, i, a, numeric);
    }
    // Reverse mode: sum_k <J_k^T w, u_k> must equal <w, J u>.
    const Array<T> weights = projection<T>(out.shape(), options.seed);
    std::vector<Tensor<T>> leaves = make_leaves(inputs, options);
    f(leaves).backward(weights);
    double reverse = 0;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        if (!is_differentiable(options, k)) continue;
        Array<T> zeros;
        reverse += project(gradient_or_zeros(leaves[k], zeros), directions[k]);
    }
    const double forward = project(tangent.value(), weights);
    worst.offer(error_ratio(forward, reverse, options), 0, out.size(), forward, reverse);
    result.ok = worst.ratio <= 1.0;
    result.index = worst.index;
    result.analytic = worst.a;
    result.numeric = worst.b;
    result.error_ratio = worst.ratio;
    std::ostringstream text;
    text.precision(10);
    text << (result.ok ? "tangentcheck passed; worst: " : "tangentcheck FAILED at ")
         << (worst.index == out.size() ? std::string("<w, J u> against the reverse mode")
                                       : "output element " + std::to_string(worst.index))
         << ": forward " << worst.a << ", reference " << worst.b << " (error " << worst.ratio
         << "x the tolerance)";
    result.message = text.str();
    return result;
}

template <class T>
CheckBackwardResult check_backward(const TensorFunction<T>& candidate,
                                   const TensorFunction<T>& reference,
                                   const std::vector<Array<T>>& inputs,
                                   const GradcheckOptions& options) {
    CheckBackwardResult result;
    std::vector<Tensor<T>> leaves_c = make_leaves(inputs, options);
    std::vector<Tensor<T>> leaves_r = make_leaves(inputs, options);
    Tensor<T> out_c = candidate(leaves_c);
    Tensor<T> out_r = reference(leaves_r);
    if (out_c.shape() != out_r.shape()) {
        result.ok = false;
        result.message = "output shapes differ: candidate " + to_string(out_c.shape()) +
                         ", reference " + to_string(out_r.shape());
        return result;
    }
    std::ostringstream text;
    text.precision(10);

    Worst values;
    for (std::size_t i = 0; i < out_c.size(); ++i) {
        const double c = out_c.value().data()[i];
        const double r = out_r.value().data()[i];
        values.offer(error_ratio(c, r, options), 0, i, c, r);
    }
    result.value_error = std::max(values.ratio, 0.0);
    if (result.value_error > 1)
        text << "outputs differ at element " << values.index << ": candidate " << values.a
             << ", reference " << values.b << non_finite_note(values.a, values.b) << ". ";

    const Array<T> weights = projection<T>(out_c.shape(), options.seed);
    if (out_c.requires_grad()) out_c.backward(weights);
    if (out_r.requires_grad()) out_r.backward(weights);
    Worst grads;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        if (!is_differentiable(options, k)) continue;
        Array<T> zeros_c;
        Array<T> zeros_r;
        const Array<T>& gc = gradient_or_zeros(leaves_c[k], zeros_c);
        const Array<T>& gr = gradient_or_zeros(leaves_r[k], zeros_r);
        for (std::size_t i = 0; i < gc.size(); ++i) {
            const double c = gc.data()[i];
            const double r = gr.data()[i];
            grads.offer(error_ratio(c, r, options), k, i, c, r);
        }
    }
    result.gradient_error = std::max(grads.ratio, 0.0);
    if (result.gradient_error > 1)
        text << "gradients differ at "
             << element_name(grads.input, grads.index, inputs[grads.input].shape())
             << ": candidate " << grads.a << ", reference " << grads.b
             << non_finite_note(grads.a, grads.b) << ". ";

    // Again from leaves whose gradients already hold random values: a backward must add to
    // them. Fresh leaves cannot tell an op that overwrites its slot (gemm with beta 0) from one
    // that accumulates. The tolerance is a few roundings: gemm adds the old value in its kernel.
    const double tight = 64 * static_cast<double>(std::numeric_limits<T>::epsilon());
    Worst accumulation;
    const char* accumulation_path = "candidate";
    for (const bool is_candidate : {true, false}) {
        const std::vector<Tensor<T>>& clean = is_candidate ? leaves_c : leaves_r;
        std::vector<Tensor<T>> leaves = make_leaves(inputs, options);
        std::vector<Array<T>> prefill(inputs.size());
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            if (!is_differentiable(options, k)) continue;
            prefill[k] = projection<T>(inputs[k].shape(), options.seed + 1 + k);
            leaves[k].mutable_grad() = prefill[k];
        }
        Tensor<T> out = (is_candidate ? candidate : reference)(leaves);
        if (out.requires_grad()) out.backward(weights);
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            if (!is_differentiable(options, k)) continue;
            Array<T> zeros;
            const Array<T>& analytic = gradient_or_zeros(clean[k], zeros);
            double scale = 0;
            for (const T a : analytic) scale = std::max(scale, std::abs(static_cast<double>(a)));
            for (std::size_t i = 0; i < analytic.size(); ++i) {
                const double p = prefill[k].data()[i];
                const double a = analytic.data()[i];
                const double got = leaves[k].grad().data()[i];
                const double bound = tight * (std::abs(p) + std::abs(a) + scale + 1);
                const double ratio = std::isfinite(got) ? std::abs(got - (p + a)) / bound
                                                        : std::numeric_limits<double>::infinity();
                if (ratio > accumulation.ratio) {
                    accumulation.offer(ratio, k, i, got, p + a);
                    accumulation_path = is_candidate ? "candidate" : "reference";
                }
            }
        }
    }
    result.accumulation_error = std::max(accumulation.ratio, 0.0);
    if (result.accumulation_error > 1)
        text << "the " << accumulation_path << " does not add to an existing gradient: at "
             << element_name(accumulation.input, accumulation.index,
                             inputs[accumulation.input].shape())
             << " the pre-filled gradient became " << accumulation.a << ", expected "
             << accumulation.b << " (pre-fill + gradient). ";

    result.finite_differences = gradcheck(candidate, inputs, options);
    if (!result.finite_differences.ok) text << result.finite_differences.message;
    if (std::is_same_v<T, double> && options.second_order) {
        // Differences of gradients are noisier than of values: at least the tolerances the
        // registry's gradgradcheck suite uses.
        GradcheckOptions second = options;
        second.rtol = std::max(second.rtol, 1e-5);
        second.atol = std::max(second.atol, 1e-7);
        result.second_order = gradgradcheck<T>(candidate, inputs, second);
        if (!result.second_order.ok) text << " " << result.second_order.message;
    }
    if (std::is_same_v<T, double> && options.forward_mode) {
        result.forward_mode = tangentcheck<T>(candidate, inputs, options);
        if (!result.forward_mode.ok) text << " " << result.forward_mode.message;
    }
    result.ok = result.value_error <= 1 && result.gradient_error <= 1 &&
                result.accumulation_error <= 1 && result.finite_differences.ok &&
                result.second_order.ok && result.forward_mode.ok;
    result.message =
        result.ok ? "candidate agrees with the reference and with finite differences" : text.str();
    return result;
}

template GradcheckResult gradcheck<float>(const TensorFunction<float>&,
                                          const std::vector<Array<float>>&,
                                          const GradcheckOptions&);
template GradcheckResult gradcheck<double>(const TensorFunction<double>&,
                                           const std::vector<Array<double>>&,
                                           const GradcheckOptions&);
template GradcheckResult gradgradcheck<float>(const TensorFunction<float>&,
                                              const std::vector<Array<float>>&,
                                              const GradcheckOptions&);
template GradcheckResult gradgradcheck<double>(const TensorFunction<double>&,
                                               const std::vector<Array<double>>&,
                                               const GradcheckOptions&);
template GradcheckResult tangentcheck<float>(const TensorFunction<float>&,
                                             const std::vector<Array<float>>&,
                                             const GradcheckOptions&);
template GradcheckResult tangentcheck<double>(const TensorFunction<double>&,
                                              const std::vector<Array<double>>&,
                                              const GradcheckOptions&);
template CheckBackwardResult check_backward(const TensorFunction<float>&,
                                            const TensorFunction<float>&,
                                            const std::vector<Array<float>>&,
                                            const GradcheckOptions&);
template CheckBackwardResult check_backward(const TensorFunction<double>&,
                                            const TensorFunction<double>&,
                                            const std::vector<Array<double>>&,
                                            const GradcheckOptions&);

}  // namespace xtgrad
