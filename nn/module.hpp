// Module: the base of every layer and model. A model is a struct that registers its
// parameters and submodules, as in libtorch:
//
//     struct Net : nn::Module<float> {
//         explicit Net(RandomEngine& rng)
//             : fc1(register_module<nn::Linearf>("fc1", 2, 64, rng)),
//               fc2(register_module<nn::Linearf>("fc2", 64, 2, rng)) {}
//         Tensorf forward(const Tensorf& x) override { return fc2(relu(fc1(x))); }
//         nn::ModuleHolder<nn::Linearf> fc1, fc2;
//     };
//
// Layers and losses run their fused ops unless an nn::ComposedGuard is active.
#pragma once

#include <concepts>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad::nn {

template <class T>
class Module;

/// A shared handle to a module that calls like the module: fc1(x) runs fc1's forward, and
/// fc1->weight() reaches its members (libtorch's ModuleHolder). Copies share the module.
template <class M>
class ModuleHolder {
  public:
    using element_type = M;

    /// An empty holder (calling it throws); assign a registered module to it later.
    ModuleHolder() = default;
    ModuleHolder(std::shared_ptr<M> module) : module_(std::move(module)) {}  // NOLINT: implicit
    /// Constructs the module in place: ModuleHolder<Linearf>(784, 128, rng).
    template <class... Args>
    requires(sizeof...(Args) > 0 && std::constructible_from<M, Args...> &&
             !(sizeof...(Args) == 1 && (std::same_as<std::remove_cvref_t<Args>, ModuleHolder> ||
                                        ...))) explicit ModuleHolder(Args&&... args)
        : module_(std::make_shared<M>(std::forward<Args>(args)...)) {}

    template <class... Args>
    auto operator()(Args&&... args) const {
        return get().forward(std::forward<Args>(args)...);
    }
    M* operator->() const { return &get(); }
    M& operator*() const { return get(); }
    M& get() const;
    const std::shared_ptr<M>& ptr() const { return module_; }
    explicit operator bool() const { return module_ != nullptr; }
    /// Into a base-module pointer (Sequential::add, containers).
    template <class Base>
    requires std::convertible_to<M*, Base*>
    operator std::shared_ptr<Base>() const {  // NOLINT: implicit
        return module_;
    }

  private:
    std::shared_ptr<M> module_;
};

template <class T>
class Module {
  public:
    using Ptr = std::shared_ptr<Module>;

    Module() = default;
    Module(const Module&) = delete;  // parameters are shared handles: a copy would alias them
    Module& operator=(const Module&) = delete;
    virtual ~Module() = default;

    virtual Tensor<T> forward(const Tensor<T>& input) = 0;
    Tensor<T> operator()(const Tensor<T>& input) { return forward(input); }
    /// "Linear(784, 128)". By default the class name and its submodules:
    /// "SpiralNet(fc1: Linear(2, 64), fc2: ...)".
    virtual std::string describe() const;

    /// Parameters of this module and its submodules, depth first in registration order, named
    /// by their path ("fc1.weight"). The same order on every call.
    std::vector<std::pair<std::string, Tensor<T>>> named_parameters() const;
    std::vector<Tensor<T>> parameters() const;
    /// The slot holding a parameter, by path; throws std::out_of_range naming it if unknown.
    /// Assigning to the slot replaces the parameter (loading, gradient checks).
    Tensor<T>& parameter(std::string_view path);
    /// Total number of parameter elements.
    std::size_t parameter_count() const;

    /// Buffers: state that is not trained but saved with the model (batch norm's running
    /// statistics), named and ordered like parameters ("bn1.running_mean"). They never require
    /// gradients; the module updates them itself.
    std::vector<std::pair<std::string, Tensor<T>>> named_buffers() const;
    /// The slot holding a buffer, by path; throws std::out_of_range naming it if unknown.
    Tensor<T>& buffer(std::string_view path);

    void zero_grad();
    /// Training mode (the default) or evaluation mode, for this module and its submodules.
    void train(bool training = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }

    const std::vector<std::pair<std::string, Ptr>>& children() const { return children_; }

  protected:
    /// Registers a parameter under name (no dots, unique in this module) and returns its slot,
    /// which stays valid for the module's lifetime.
    Tensor<T>& register_parameter(std::string name, Tensor<T> value);
    /// Registers a buffer under name (no dots, unique in this module) and returns its slot.
    Tensor<T>& register_buffer(std::string name, Array<T> value);
    /// Registers a submodule under name and returns it as a holder.
    template <class M>
    ModuleHolder<M> register_module(std::string name, ModuleHolder<M> module) {
        add_child(std::move(name), module.ptr());
        return module;
    }
    template <class M>
    ModuleHolder<M> register_module(std::string name, std::shared_ptr<M> module) {
        return register_module(std::move(name), ModuleHolder<M>(std::move(module)));
    }
    /// Constructs a submodule of type M from args and registers it.
    template <class M, class... Args>
    requires std::constructible_from<M, Args...> ModuleHolder<M> register_module(std::string name,
                                                                                 Args&&... args) {
        return register_module(std::move(name), std::make_shared<M>(std::forward<Args>(args)...));
    }

  private:
    void add_child(std::string name, Ptr module);
    void check_new_name(const std::string& name) const;
    using Slots = std::deque<std::pair<std::string, Tensor<T>>>;  // slots never move
    void collect(Slots Module::*slots, const std::string& prefix,
                 std::vector<std::pair<std::string, Tensor<T>>>& out) const;
    Tensor<T>* find(Slots Module::*slots, std::string_view path);  // null if absent

    Slots parameters_;
    Slots buffers_;
    std::vector<std::pair<std::string, Ptr>> children_;
    bool training_ = true;
};

/// Throws std::logic_error for an empty holder (a member never assigned a module).
[[noreturn]] void throw_empty_holder(std::string_view type);

template <class M>
M& ModuleHolder<M>::get() const {
    if (!module_) throw_empty_holder(typeid(M).name());
    return *module_;
}

#define XTGRAD_EXTERN(T) extern template class Module<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::nn
