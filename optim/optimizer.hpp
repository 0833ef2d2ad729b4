// Optimizer: updates a fixed list of parameters from their accumulated gradients, and saves
// what its updates depend on (buffers, options) for checkpoints.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "xtgrad/autograd/tensor.hpp"
#include "xtgrad/io/archive.hpp"

namespace xtgrad::optim {

template <class T>
class Optimizer {
  public:
    /// Throws std::invalid_argument for an empty list, a tensor that does not require a gradient
    /// (it could never be updated) or a tensor listed twice (it would be updated twice).
    explicit Optimizer(std::vector<Tensor<T>> parameters);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// One update of every parameter that has a gradient; parameters without one are skipped.
    /// Throws ShapeError naming the parameter if its gradient (or a state buffer) no longer has
    /// the parameter's shape.
    virtual void step() = 0;
    void zero_grad();
    const std::vector<Tensor<T>>& parameters() const { return parameters_; }

    /// The learning rate; schedules change it between steps.
    virtual double lr() const = 0;
    virtual void set_lr(double lr) = 0;

    /// Everything step() depends on besides the parameters: the options and per-parameter
    /// buffers, as entries "optim/..." of a checkpoint. names[i] names parameter i.
    virtual void store_state(io::Archive& archive, std::span<const std::string> names) const = 0;
    /// Restores what store_state wrote. Throws io::ArchiveError naming the entry if the archive
    /// comes from another kind of optimizer or other options (the learning rate excepted: it is
    /// restored), lacks a parameter's entry, holds one for a parameter not in names, or holds a
    /// buffer of the wrong shape.
    virtual void restore_state(const io::Archive& archive, std::span<const std::string> names) = 0;

  protected:
    /// Parameter i's gradient, checked to have the parameter's shape (ShapeError otherwise).
    const Array<T>& checked_grad(std::size_t i) const;
    /// Throws std::invalid_argument unless names has one entry per parameter.
    void check_names(std::span<const std::string> names) const;

    std::vector<Tensor<T>> parameters_;
};

#define XTGRAD_EXTERN(T) extern template class Optimizer<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_EXTERN)
#undef XTGRAD_EXTERN

}  // namespace xtgrad::optim
