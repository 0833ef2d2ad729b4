#include "xtgrad/autograd/functional.hpp"

#include <algorithm>

#include "xtgrad/autograd/forward_mode.hpp"
#include "xtgrad/autograd/grad.hpp"
#include "xtgrad/autograd/tape.hpp"

namespace xtgrad {

namespace {

template <class T>
Tensor<T> zeros(const Shape& shape) {
    Array<T> z = empty_array<T>(shape);
    std::fill(z.begin(), z.end(), T(0));
    return Tensor<T>(std::move(z));
}

template <class T>
Tensor<T> unit(const Shape& shape, std::size_t index) {
    Tensor<T> e = zeros<T>(shape);
    e.impl().value.data()[index] = T(1);
    return e;
}

/// Fresh leaves requiring a gradient; with create_graph, inputs that require one as they are.
template <class T>
std::vector<Tensor<T>> leaves_for(const std::vector<Tensor<T>>& inputs, bool create_graph) {
    std::vector<Tensor<T>> leaves;
    for (const auto& input : inputs)
        leaves.push_back(create_graph && input.requires_grad()
                             ? input
                             : Tensor<T>(Array<T>(input.value()), true));
    return leaves;
}

template <class T>
Tensor<T> constant(const Tensor<T>& x, bool keep_graph) {
    return keep_graph ? x : Tensor<T>(Array<T>(x.value()));
}

/// d outputs / d inputs seeded with seeds, zeros where an input is unused.
template <class T>
std::vector<Tensor<T>> gradients_or_zeros(const std::vector<Tensor<T>>& outputs,
                                          const std::vector<Tensor<T>>& inputs,
                                          const std::vector<Tensor<T>>& seeds,
                                          const GradOptions& options) {
    std::vector<Tensor<T>> live_outputs;
    std::vector<Tensor<T>> live_seeds;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (!outputs[i].defined() || !outputs[i].requires_grad()) continue;  // constant: zero
        live_outputs.push_back(outputs[i]);
        if (!seeds.empty()) live_seeds.push_back(seeds[i]);
    }
    std::vector<Tensor<T>> result;
    if (live_outputs.empty()) {
        for (const auto& input : inputs) result.push_back(zeros<T>(input.shape()));
        return result;
    }
    GradOptions o = options;
    o.allow_unused = true;
    result = grad<T>(live_outputs, inputs, live_seeds, o);
    for (std::size_t k = 0; k < result.size(); ++k)
        if (!result[k].defined()) result[k] = zeros<T>(inputs[k].shape());
    return result;
}

template <class T>
void check_one_element(const char* transform, const Tensor<T>& value) {
    if (value.size() != 1) throw ShapeError(transform, value.shape(), "f must return one element");
}

Shape joined(const Shape& a, const Shape& b) {
    Shape s(a.size() + b.size());
    std::copy(a.begin(), a.end(), s.begin());
    std::copy(b.begin(), b.end(), s.begin() + static_cast<std::ptrdiff_t>(a.size()));
    return s;
}

/// Writes values into row `row` of a (rows, values.size()) block stored in out.
template <class T>
void put_row(Tensor<T>& out, std::size_t row, const Array<T>& values) {
    std::copy(values.begin(), values.end(), out.impl().value.data() + row * values.size());
}

template <class T>
void put_column(Tensor<T>& out, std::size_t column, std::size_t columns, const Array<T>& values) {
    T* data = out.impl().value.data();
    for (std::size_t i = 0; i < values.size(); ++i) data[i * columns + column] = values.data()[i];
}

}  // namespace

template <class T>
Transformed<T> vjp(const std::type_identity_t<TensorFunction<T>>& f,
                   const std::vector<Tensor<T>>& inputs, const Tensor<T>& v,
                   FunctionalOptions options) {
    GradModeGuard recording(true);
    const auto leaves = leaves_for(inputs, options.create_graph);
    const Tensor<T> value = f(leaves);
    if (v.shape() != value.shape())
        throw ShapeError("vjp", v.shape(), value.shape(), "v must have f's shape");
    auto result =
        gradients_or_zeros<T>({value}, leaves, {v}, {.create_graph = options.create_graph});
    return {constant(value, options.create_graph), std::move(result)};
}

template <class T>
Transformed<T> jvp(const std::type_identity_t<TensorFunction<T>>& f,
                   const std::vector<Tensor<T>>& inputs, const std::vector<Tensor<T>>& tangents) {
    NoGradGuard no_grad;
    const detail::DualInputs<T> duals(inputs, tangents);
    const Tensor<T> value = f(duals.duals());
    const Tensor<T> tangent = tangent_of(value);
    return {Tensor<T>(Array<T>(value.value())),
            {tangent.defined() ? tangent : zeros<T>(value.shape())}};
}

template <class T>
Transformed<T> hvp(const std::type_identity_t<TensorFunction<T>>& f,
                   const std::vector<Tensor<T>>& inputs, const std::vector<Tensor<T>>& v,
                   FunctionalOptions options) {
    if (v.size() != inputs.size())
        throw GraphError("hvp: " + std::to_string(v.size()) + " vectors for " +
                         std::to_string(inputs.size()) + " inputs");
    for (std::size_t k = 0; k < inputs.size(); ++k)
        if (v[k].shape() != inputs[k].shape())
            throw ShapeError(
                "hvp", v[k].shape(), inputs[k].shape(),
                "v[" + std::to_string(k) + "] must have the shape of input " + std::to_string(k));
    GradModeGuard recording(true);
    const auto leaves = leaves_for(inputs, options.create_graph);
    const Tensor<T> value = f(leaves);
    check_one_element("hvp", value);
    const auto gradient = gradients_or_zeros<T>({value}, leaves, {}, {.create_graph = true});
    auto result =
        gradients_or_zeros<T>(gradient, leaves, v, {.create_graph = options.create_graph});
    return {constant(value, options.create_graph), std::move(result)};
}

template <class T>
Transformed<T> jacobian(const std::type_identity_t<TensorFunction<T>>& f,
                        const std::vector<Tensor<T>>& inputs, JacobianMode mode) {
    std::size_t input_elements = 0;
    for (const auto& input : inputs) input_elements += input.size();
    Shape output_shape;
    {
        NoGradGuard no_grad;
        output_shape = f(inputs).shape();
    }
    const std::size_t outputs = element_count(output_shape);
    if (mode == JacobianMode::automatic)
        mode = input_elements < outputs ? JacobianMode::forward : JacobianMode::reverse;

    Transformed<T> transformed;
    for (const auto& input : inputs)
        transformed.result.push_back(zeros<T>(joined(output_shape, input.shape())));
    if (mode == JacobianMode::forward) {  // column j of block k: J e_j
        NoGradGuard no_grad;
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            for (std::size_t j = 0; j < inputs[k].size(); ++j) {
                // Input k carries the tangent e_j (in place: f sees it through inputs).
                const detail::DualInputs<T> dual({inputs[k]}, {unit<T>(inputs[k].shape(), j)});
                const Tensor<T> value = f(inputs);
                if (!transformed.value.defined())
                    transformed.value = Tensor<T>(Array<T>(value.value()));
                const Tensor<T> tangent = tangent_of(value);
                if (tangent.defined())
                    put_column(transformed.result[k], j, inputs[k].size(), tangent.value());
            }
        }
        if (!transformed.value.defined()) transformed.value = f(inputs);  // no input elements
        return transformed;
    }
    GradModeGuard recording(true);  // row i of every block: e_i^T J
    const auto leaves = leaves_for(inputs, false);
    const Tensor<T> value = f(leaves);
    transformed.value = Tensor<T>(Array<T>(value.value()));
    for (std::size_t i = 0; i < outputs; ++i) {
        const auto rows = gradients_or_zeros<T>({value}, leaves, {unit<T>(output_shape, i)},
                                                {.retain_graph = true});
        for (std::size_t k = 0; k < inputs.size(); ++k)
            put_row(transformed.result[k], i, rows[k].value());
    }
    return transformed;
}

template <class T>
Transformed<T> hessian(const std::type_identity_t<TensorFunction<T>>& f,
                       const std::vector<Tensor<T>>& inputs) {
    GradModeGuard recording(true);
    const auto leaves = leaves_for(inputs, false);
    const Tensor<T> value = f(leaves);
    check_one_element("hessian", value);
    const auto gradient = gradients_or_zeros<T>({value}, leaves, {}, {.create_graph = true});
    Transformed<T> transformed{Tensor<T>(Array<T>(value.value())), {}};
    const std::size_t n = inputs.size();
    for (std::size_t k = 0; k < n; ++k)
        for (std::size_t j = 0; j < n; ++j)
            transformed.result.push_back(zeros<T>(joined(inputs[k].shape(), inputs[j].shape())));
    for (std::size_t k = 0; k < n; ++k) {
        for (std::size_t i = 0; i < inputs[k].size(); ++i) {
            const auto rows = gradients_or_zeros<T>(
                {gradient[k]}, leaves, {unit<T>(inputs[k].shape(), i)}, {.retain_graph = true});
            for (std::size_t j = 0; j < n; ++j)
                put_row(transformed.result[k * n + j], i, rows[j].value());
        }
    }
    return transformed;
}

#define XTGRAD_INSTANTIATE(T)                                                                 \
    template Transformed<T> vjp(const TensorFunction<T>&, const std::vector<Tensor<T>>&,      \
                                const Tensor<T>&, FunctionalOptions);                         \
    template Transformed<T> jvp(const TensorFunction<T>&, const std::vector<Tensor<T>>&,      \
                                const std::vector<Tensor<T>>&);                               \
    template Transformed<T> hvp(const TensorFunction<T>&, const std::vector<Tensor<T>>&,      \
                                const std::vector<Tensor<T>>&, FunctionalOptions);            \
    template Transformed<T> jacobian(const TensorFunction<T>&, const std::vector<Tensor<T>>&, \
                                     JacobianMode);                                           \
    template Transformed<T> hessian(const TensorFunction<T>&, const std::vector<Tensor<T>>&);
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad
