#include "xtgrad/nn/module.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace xtgrad::nn {

template <class T>
void Module<T>::check_new_name(const std::string& name) const {
    if (name.empty() || name.find('.') != std::string::npos)
        throw std::invalid_argument("module member name '" + name +
                                    "' must be non-empty and have no '.'");
    for (const auto& [existing, _] : parameters_)
        if (existing == name)
            throw std::invalid_argument("'" + name + "' is already a parameter of " + describe());
    for (const auto& [existing, _] : buffers_)
        if (existing == name)
            throw std::invalid_argument("'" + name + "' is already a buffer of " + describe());
    for (const auto& [existing, _] : children_)
        if (existing == name)
            throw std::invalid_argument("'" + name + "' is already a submodule of " + describe());
}

template <class T>
Tensor<T>& Module<T>::register_parameter(std::string name, Tensor<T> value) {
    check_new_name(name);
    value.set_requires_grad(true);
    if (value.name().empty()) value.set_name(name);
    parameters_.emplace_back(std::move(name), std::move(value));
    return parameters_.back().second;
}

template <class T>
Tensor<T>& Module<T>::register_buffer(std::string name, Array<T> value) {
    check_new_name(name);
    Tensor<T> buffer(std::move(value));
    buffer.set_name(name);
    buffers_.emplace_back(std::move(name), std::move(buffer));
    return buffers_.back().second;
}

template <class T>
void Module<T>::add_child(std::string name, Ptr module) {
    if (!module) throw std::invalid_argument("register_module('" + name + "'): null module");
    check_new_name(name);
    module->train(training_);
    children_.emplace_back(std::move(name), std::move(module));
}

template <class T>
void Module<T>::collect(Slots Module::*slots, const std::string& prefix,
                        std::vector<std::pair<std::string, Tensor<T>>>& out) const {
    for (const auto& [name, tensor] : this->*slots) out.emplace_back(prefix + name, tensor);
    for (const auto& [name, child] : children_) child->collect(slots, prefix + name + ".", out);
}

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> Module<T>::named_parameters() const {
    std::vector<std::pair<std::string, Tensor<T>>> out;
    collect(&Module::parameters_, "", out);
    return out;
}

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> Module<T>::named_buffers() const {
    std::vector<std::pair<std::string, Tensor<T>>> out;
    collect(&Module::buffers_, "", out);
    return out;
}

template <class T>
std::vector<Tensor<T>> Module<T>::parameters() const {
    std::vector<Tensor<T>> out;
    for (auto& [name, tensor] : named_parameters()) out.push_back(std::move(tensor));
    return out;
}

template <class T>
Tensor<T>* Module<T>::find(Slots Module::*slots, std::string_view path) {
    const auto dot = path.find('.');
    const std::string_view head = path.substr(0, dot);
    if (dot == std::string_view::npos) {
        for (auto& [name, tensor] : this->*slots)
            if (name == head) return &tensor;
    } else {
        for (auto& [name, child] : children_)
            if (name == head) return child->find(slots, path.substr(dot + 1));
    }
    return nullptr;
}

template <class T>
Tensor<T>& Module<T>::parameter(std::string_view path) {
    if (Tensor<T>* slot = find(&Module::parameters_, path)) return *slot;
    throw std::out_of_range("no parameter '" + std::string(path) + "' in " + describe());
}

template <class T>
Tensor<T>& Module<T>::buffer(std::string_view path) {
    if (Tensor<T>* slot = find(&Module::buffers_, path)) return *slot;
    throw std::out_of_range("no buffer '" + std::string(path) + "' in " + describe());
}

template <class T>
std::size_t Module<T>::parameter_count() const {
    std::size_t count = 0;
    for (const auto& [name, tensor] : named_parameters()) count += tensor.size();
    return count;
}

template <class T>
void Module<T>::zero_grad() {
    for (auto& [name, tensor] : parameters_) tensor.zero_grad();
    for (auto& [name, child] : children_) child->zero_grad();
}

template <class T>
void Module<T>::train(bool training) {
    training_ = training;
    for (auto& [name, child] : children_) child->train(training);
}

namespace {

/// "SpiralNet" for typeid(SpiralNet).name(); the mangled name if demangling fails.
std::string readable_type_name(const char* mangled) {
    int status = 0;
    const std::unique_ptr<char, decltype(&std::free)> name(
        abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
    std::string text = status == 0 && name ? name.get() : mangled;
    if (const auto colon = text.rfind("::", text.find('<')); colon != std::string::npos)
        text.erase(0, colon + 2);  // drop namespaces, keep template arguments
    return text;
}

}  // namespace

template <class T>
std::string Module<T>::describe() const {
    std::string text = readable_type_name(typeid(*this).name()) + "(";
    for (std::size_t i = 0; i < children_.size(); ++i)
        text += (i ? ", " : "") + children_[i].first + ": " + children_[i].second->describe();
    return text + ")";
}

void throw_empty_holder(std::string_view type) {
    throw std::logic_error("call through an empty ModuleHolder<" +
                           readable_type_name(std::string(type).c_str()) +
                           ">: assign it a registered module first");
}

#define XTGRAD_INSTANTIATE(T) template class Module<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::nn
