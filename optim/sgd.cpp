#include "xtgrad/optim/sgd.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

namespace xtgrad::optim {

void SGDOptions::validate() const {
    const auto check = [](bool ok, const std::string& what) {
        if (!ok) throw std::invalid_argument("SGD: " + what);
    };
    check(!std::isnan(lr), "the learning rate (lr) is required");
    check(std::isfinite(lr) && lr >= 0,
          "learning rate must be finite and >= 0, got " + std::to_string(lr));
    check(std::isfinite(momentum) && momentum >= 0,
          "momentum must be >= 0, got " + std::to_string(momentum));
    check(std::isfinite(dampening) && dampening >= 0 && dampening <= 1,
          "dampening must be in [0, 1], got " + std::to_string(dampening));
    check(std::isfinite(weight_decay) && weight_decay >= 0,
          "weight decay must be >= 0, got " + std::to_string(weight_decay));
    check(!nesterov || (momentum > 0 && dampening == 0),
          "nesterov needs momentum > 0 and dampening 0");
}

template <class T>
SGD<T>::SGD(std::vector<Tensor<T>> parameters, const SGDOptions& options)
    : Optimizer<T>(std::move(parameters)), options_(options) {
    options_.validate();
    velocities_.resize(this->parameters_.size());
}

template <class T>
void SGD<T>::set_lr(double lr) {
    SGDOptions changed = options_;
    changed.lr = lr;
    changed.validate();
    options_ = changed;
}

template <class T>
void SGD<T>::set_velocity(std::size_t i, std::optional<Array<T>> velocity) {
    const Tensor<T>& p = this->parameters_.at(i);
    if (velocity && velocity->shape() != p.shape())
        throw ShapeError("SGD::set_velocity", velocity->shape(), p.shape(),
                         "velocity must have the parameter's shape");
    velocities_[i] = std::move(velocity);
}

template <class T>
void SGD<T>::step() {
    const T lr = static_cast<T>(options_.lr);
    const T momentum = static_cast<T>(options_.momentum);
    const T damp = static_cast<T>(1 - options_.dampening);
    const T wd = static_cast<T>(options_.weight_decay);
    const bool nesterov = options_.nesterov;
    for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
        Tensor<T>& param = this->parameters_[i];
        if (!param.has_grad()) continue;
        const T* g = this->checked_grad(i).data();
        const std::size_t n = param.size();
        if (momentum == T(0)) {
            T* p = param.mutable_value().data();
            for (std::size_t k = 0; k < n; ++k) p[k] -= lr * (g[k] + wd * p[k]);
            continue;
        }
        auto& buffer = velocities_[i];
        const bool first = !buffer.has_value();
        if (first) buffer = empty_array<T>(param.shape());
        if (buffer->shape() != param.shape())
            throw ShapeError("SGD::step", buffer->shape(), param.shape(),
                             "the momentum buffer of parameter " + std::to_string(i) + " ('" +
                                 param.name() + "') no longer has the parameter's shape");
        T* v = buffer->data();
        T* p = param.mutable_value().data();
        for (std::size_t k = 0; k < n; ++k) {
            const T d = g[k] + wd * p[k];
            v[k] = first ? d : momentum * v[k] + damp * d;
            p[k] -= lr * (nesterov ? d + momentum * v[k] : v[k]);
        }
    }
}

namespace {

constexpr const char* kKind = "optim/kind";
constexpr const char* kOptions = "optim/sgd-options";  // lr, momentum, dampening, wd, nesterov
const std::string kVelocity = "optim/velocity/";

std::vector<std::uint64_t> option_bits(const SGDOptions& o) {
    return {std::bit_cast<std::uint64_t>(o.lr), std::bit_cast<std::uint64_t>(o.momentum),
            std::bit_cast<std::uint64_t>(o.dampening), std::bit_cast<std::uint64_t>(o.weight_decay),
            o.nesterov ? 1u : 0u};
}

}  // namespace

template <class T>
void SGD<T>::store_state(io::Archive& archive, std::span<const std::string> names) const {
    this->check_names(names);
    archive.put(kKind, std::string("sgd"));
    archive.put(kOptions, option_bits(options_));
    // Every parameter has an entry: its buffer, or an empty list before its first step.
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (const auto& v = velocities_[i])
            archive.put(kVelocity + names[i], *v);
        else
            archive.put(kVelocity + names[i], std::vector<std::uint64_t>{});
    }
}

template <class T>
void SGD<T>::restore_state(const io::Archive& archive, std::span<const std::string> names) {
    this->check_names(names);
    const auto fail = [&](const std::string& defect) {
        throw io::ArchiveError(archive.source(), defect);
    };
    if (!archive.contains(kKind) || archive.text(kKind) != "sgd")
        fail("holds no SGD state (optimizer '" +
             (archive.contains(kKind) ? archive.text(kKind) : std::string("none")) + "')");
    const auto& bits = archive.integers(kOptions);
    if (bits.size() != 5) fail("entry '" + std::string(kOptions) + "' must hold 5 values");
    SGDOptions saved{std::bit_cast<double>(bits[0]), std::bit_cast<double>(bits[1]),
                     std::bit_cast<double>(bits[2]), std::bit_cast<double>(bits[3]), bits[4] != 0};
    SGDOptions expected = options_;
    expected.lr = saved.lr;  // a schedule may have moved it: restored, not compared
    if (!(saved == expected))
        fail("its SGD options (momentum " + std::to_string(saved.momentum) + ", dampening " +
             std::to_string(saved.dampening) + ", weight decay " +
             std::to_string(saved.weight_decay) + ", nesterov " + (saved.nesterov ? "on" : "off") +
             ") differ from this optimizer's");
    std::vector<std::optional<Array<T>>> restored(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string key = kVelocity + names[i];
        if (!archive.contains(key)) fail("has no SGD state for parameter '" + names[i] + "'");
        if (std::holds_alternative<std::vector<std::uint64_t>>(archive.entries().at(key))) {
            if (!archive.integers(key).empty()) fail("entry '" + key + "' is malformed");
            continue;
        }
        const Array<T>& v = archive.array<T>(key);
        if (v.shape() != this->parameters_[i].shape())
            fail("velocity of '" + names[i] + "' has shape " + to_string(v.shape()) +
                 ", the parameter's is " + to_string(this->parameters_[i].shape()));
        restored[i] = v;
    }
    for (const auto& [key, entry] : archive.entries())
        if (key.starts_with(kVelocity) &&
            std::find(names.begin(), names.end(), key.substr(kVelocity.size())) == names.end())
            fail("holds SGD state for '" + key.substr(kVelocity.size()) +
                 "', which this optimizer does not have");
    velocities_ = std::move(restored);
    options_.lr = saved.lr;
}

#define XTGRAD_INSTANTIATE(T) template class SGD<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
