// Optimizer: updates a fixed list of parameters, in groups with their own learning rate and
// weight decay, from their accumulated gradients, and saves what its updates depend on
// (buffers, options, the groups' learning rates) for checkpoints.
//
//     optim::Adam<float> adam({{.parameters = weights}, {.parameters = biases, .weight_decay = 0}},
//                             {.lr = 1e-3, .weight_decay = 1e-4});
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"
#include "xtgrad/io/archive.hpp"

namespace xtgrad::optim {

namespace detail {
/// Throws std::invalid_argument "<optimizer>: <what>, got <value>" unless ok.
void check_option(bool ok, const char* optimizer, const std::string& what, double value);
/// options after options.validate(), for constructors' initialiser lists.
template <class Options>
const Options& validated(const Options& options) {
    options.validate();
    return options;
}
}  // namespace detail

/// What a learning-rate schedule moves: one learning rate per parameter group.
class LearningRates {
  public:
    virtual ~LearningRates() = default;
    virtual std::size_t group_count() const = 0;
    virtual double lr(std::size_t group = 0) const = 0;
    /// Throws std::invalid_argument unless lr is finite and >= 0.
    virtual void set_lr(std::size_t group, double lr) = 0;
    /// Every group's learning rate.
    void set_lr(double lr) {
        for (std::size_t g = 0; g < group_count(); ++g) set_lr(g, lr);
    }
};

/// Parameters that share settings; an unset setting takes the optimizer's.
template <class T>
struct ParamGroup {
    std::vector<Tensor<T>> parameters = {};
    std::optional<double> lr = std::nullopt;
    std::optional<double> weight_decay = std::nullopt;
};

template <class T>
class Optimizer : public LearningRates {
  public:
    /// Throws std::invalid_argument for no parameters, an empty group, a tensor that does not
    /// require a gradient (it could never be updated), a tensor listed twice (it would be
    /// updated twice), or a learning rate or weight decay that is not finite and >= 0.
    Optimizer(std::vector<ParamGroup<T>> groups, double lr, double weight_decay);
    /// One group.
    Optimizer(std::vector<Tensor<T>> parameters, double lr, double weight_decay = 0);
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// One update of every parameter that has a gradient; parameters without one are skipped.
    /// Throws ShapeError naming the parameter if its gradient (or a state buffer) no longer has
    /// the parameter's shape.
    virtual void step() = 0;
    void zero_grad();
    const std::vector<Tensor<T>>& parameters() const { return parameters_; }

    std::size_t group_count() const override { return groups_.size(); }
    double lr(std::size_t group = 0) const override { return groups_.at(group).lr; }
    using LearningRates::set_lr;
    void set_lr(std::size_t group, double lr) override;
    double weight_decay(std::size_t group = 0) const { return groups_.at(group).weight_decay; }
    /// The group parameter i belongs to.
    std::size_t group_of(std::size_t i) const { return group_of_.at(i); }

    /// Everything step() depends on besides the parameters, as entries "optim/..." of a
    /// checkpoint: the kind and options, the groups, and per parameter its step count and
    /// buffers. names[i] names parameter i.
    virtual void store_state(io::Archive& archive, std::span<const std::string> names) const;
    /// Restores what store_state wrote. Throws io::ArchiveError naming the entry if the archive
    /// comes from another kind of optimizer, other options or other groups (learning rates
    /// excepted: a schedule moves them, so they are restored), lacks a parameter's entry, holds
    /// one for a parameter not in names, or holds a buffer of the wrong shape.
    virtual void restore_state(const io::Archive& archive, std::span<const std::string> names);

  protected:
    /// What a parameter's updates remember: its step count and buffers (in the order of the
    /// names given to describe_state), created at its first step.
    struct ParamState {
        std::uint64_t steps = 0;
        std::vector<Array<T>> buffers;
    };

    /// Derived constructors name what store_state saves: the optimizer's kind, its options
    /// besides learning rate and weight decay (compared on restore), and its buffers.
    using NamedOptions = std::vector<std::pair<std::string, double>>;
    void describe_state(std::string kind, NamedOptions options, std::vector<std::string> buffers);
    /// Parameter i's state for a step: its buffers are created (filled with `fill`) if they do
    /// not exist yet, and checked to have the parameter's shape (ShapeError naming it).
    ParamState& prepared_state(std::size_t i, T fill = T(0));
    ParamState& state(std::size_t i) { return states_.at(i); }
    const ParamState& state(std::size_t i) const { return states_.at(i); }
    /// Parameter i's gradient, checked to have the parameter's shape (ShapeError otherwise).
    const Array<T>& checked_grad(std::size_t i) const;
    /// Throws std::invalid_argument unless names has one entry per parameter.
    void check_names(std::span<const std::string> names) const;

    std::vector<Tensor<T>> parameters_;

  private:
    struct Group {
        double lr;
        double weight_decay;
    };
    std::vector<Group> groups_;
    std::vector<std::size_t> group_of_;
    std::vector<ParamState> states_;
    std::string kind_ = "custom";
    NamedOptions options_;
    std::vector<std::string> buffer_names_;
};

#define XTGRAD_EXTERN(T) extern template class Optimizer<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::optim
