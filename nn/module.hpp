// Module: the base of every layer and model. A model is a struct that registers its
// parameters and submodules, as in libtorch:
//
//     struct Net : nn::Module<float> {
//         explicit Net(RandomEngine& rng)
//             : fc1(register_module("fc1", std::make_shared<nn::Linear<float>>(nn::LinearOptions(2,
//             64), rng))),
//               fc2(register_module("fc2",
//               std::make_shared<nn::Linear<float>>(nn::LinearOptions(64, 2), rng))) {}
//         Tensorf forward(const Tensorf& x) override { return (*fc2)(relu((*fc1)(x))); }
//         std::shared_ptr<nn::Linear<float>> fc1, fc2;
//     };
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"

namespace xtgrad::nn {

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
    /// "Linear(784, 128)"; containers list their children.
    virtual std::string describe() const = 0;

    /// Parameters of this module and its submodules, depth first in registration order, named
    /// by their path ("fc1.weight"). The same order on every call.
    std::vector<std::pair<std::string, Tensor<T>>> named_parameters() const;
    std::vector<Tensor<T>> parameters() const;
    /// The slot holding a parameter, by path; throws std::out_of_range naming it if unknown.
    /// Assigning to the slot replaces the parameter (loading, gradient checks).
    Tensor<T>& parameter(std::string_view path);
    /// Total number of parameter elements.
    std::size_t parameter_count() const;

    void zero_grad();
    /// Training mode (the default) or evaluation mode, for this module and its submodules.
    void train(bool training = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }
    /// Whether layers use their fused ops (the default) or compose tape primitives; recursive.
    void set_fused(bool fused);
    bool fused() const { return fused_; }

    const std::vector<std::pair<std::string, Ptr>>& children() const { return children_; }

  protected:
    /// Registers a parameter under name (no dots, unique in this module) and returns its slot,
    /// which stays valid for the module's lifetime.
    Tensor<T>& register_parameter(std::string name, Tensor<T> value);
    template <class M>
    std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
        add_child(std::move(name), module);
        return module;
    }

  private:
    void add_child(std::string name, Ptr module);
    void check_new_name(const std::string& name) const;
    void collect(const std::string& prefix,
                 std::vector<std::pair<std::string, Tensor<T>>>& out) const;

    std::deque<std::pair<std::string, Tensor<T>>> parameters_;  // slots never move
    std::vector<std::pair<std::string, Ptr>> children_;
    bool training_ = true;
    bool fused_ = true;
};

extern template class Module<float>;
extern template class Module<double>;

}  // namespace xtgrad::nn
