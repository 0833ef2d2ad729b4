#include "xtgrad/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <xtensor/xadapt.hpp>

namespace xtgrad::optim {

namespace {

template <class T>
std::string describe(const Tensor<T>& p, std::size_t i) {
    return "parameter " + std::to_string(i) +
           (p.defined() && !p.name().empty() ? " ('" + p.name() + "')" : std::string());
}

void check_setting(double value, const std::string& what) {
    if (!(std::isfinite(value) && value >= 0))
        throw std::invalid_argument("optimizer: " + what + " must be finite and >= 0, got " +
                                    std::to_string(value));
}

std::vector<double> to_vector(const Array<double>& a) {
    return {a.begin(), a.end()};
}

template <class Options>
std::vector<double> values_of(const Options& options) {
    std::vector<double> values;
    for (const auto& [name, value] : options) values.push_back(value);
    return values;
}

template <class Options>
std::string listed(const Options& names, const std::vector<double>& values) {
    std::ostringstream out;
    out << "(";
    for (std::size_t i = 0; i < values.size(); ++i)
        out << (i ? ", " : "") << (i < names.size() ? names[i].first + " " : "") << values[i];
    return out.str() + ")";
}

const std::string kKind = "optim/kind";
const std::string kOptions = "optim/options";
const std::string kGroupLr = "optim/group-lr";
const std::string kGroupWeightDecay = "optim/group-weight-decay";
const std::string kState = "optim/state/";

}  // namespace

void detail::check_option(bool ok, const char* optimizer, const std::string& what, double value) {
    if (!ok)
        throw std::invalid_argument(std::string(optimizer) + ": " + what + ", got " +
                                    std::to_string(value));
}

template <class T>
Optimizer<T>::Optimizer(std::vector<ParamGroup<T>> groups, double lr, double weight_decay) {
    std::set<const void*> seen;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const std::string group = "group " + std::to_string(g);
        if (groups[g].parameters.empty())
            throw std::invalid_argument("optimizer: " + group + " has no parameters");
        const Group settings{groups[g].lr.value_or(lr),
                             groups[g].weight_decay.value_or(weight_decay)};
        check_setting(settings.lr, "the learning rate of " + group);
        check_setting(settings.weight_decay, "the weight decay of " + group);
        groups_.push_back(settings);
        for (Tensor<T>& p : groups[g].parameters) {
            const std::size_t i = parameters_.size();
            if (!p.defined() || !p.requires_grad())
                throw std::invalid_argument("optimizer: " + describe(p, i) +
                                            " does not require a gradient");
            if (!seen.insert(p.impl_ptr().get()).second)
                throw std::invalid_argument("optimizer: " + describe(p, i) +
                                            " is listed twice: it would be updated twice per step");
            parameters_.push_back(std::move(p));
            group_of_.push_back(g);
            states_.emplace_back();
        }
    }
    if (parameters_.empty())
        throw std::invalid_argument(
            "optimizer: the parameter list is empty (did the model register its layers?)");
}

template <class T>
Optimizer<T>::Optimizer(std::vector<Tensor<T>> parameters, double lr, double weight_decay)
    : Optimizer(parameters.empty() ? std::vector<ParamGroup<T>>{}
                                   : std::vector<ParamGroup<T>>{ParamGroup<T>{
                                         std::move(parameters), std::nullopt, std::nullopt}},
                lr, weight_decay) {}

template <class T>
void Optimizer<T>::set_lr(std::size_t group, double lr) {
    check_setting(lr, "the learning rate");
    groups_.at(group).lr = lr;
}

template <class T>
void Optimizer<T>::zero_grad() {
    for (auto& p : parameters_) p.zero_grad();
}

template <class T>
const Array<T>& Optimizer<T>::checked_grad(std::size_t i) const {
    const Tensor<T>& p = parameters_[i];
    const Array<T>& g = p.grad();
    if (g.shape() != p.shape())
        throw ShapeError(
            "optimizer step", g.shape(), p.shape(),
            "the gradient of " + describe(p, i) + " no longer has the parameter's shape");
    return g;
}

template <class T>
void Optimizer<T>::check_names(std::span<const std::string> names) const {
    if (names.size() != parameters_.size())
        throw std::invalid_argument("optimizer state: " + std::to_string(names.size()) +
                                    " names for " + std::to_string(parameters_.size()) +
                                    " parameters");
}

template <class T>
void Optimizer<T>::describe_state(std::string kind, NamedOptions options,
                                  std::vector<std::string> buffers) {
    kind_ = std::move(kind);
    options_ = std::move(options);
    buffer_names_ = std::move(buffers);
}

template <class T>
typename Optimizer<T>::ParamState& Optimizer<T>::prepared_state(std::size_t i, T fill) {
    ParamState& s = states_.at(i);
    if (s.buffers.size() != buffer_names_.size()) {
        s.buffers.assign(buffer_names_.size(), empty_array<T>(parameters_[i].shape()));
        for (auto& b : s.buffers) std::fill(b.begin(), b.end(), fill);
    }
    for (std::size_t b = 0; b < s.buffers.size(); ++b)
        if (s.buffers[b].shape() != parameters_[i].shape())
            throw ShapeError("optimizer step", s.buffers[b].shape(), parameters_[i].shape(),
                             "the " + buffer_names_[b] + " buffer of " +
                                 describe(parameters_[i], i) +
                                 " no longer has the parameter's shape");
    return s;
}

template <class T>
void Optimizer<T>::store_state(io::Archive& archive, std::span<const std::string> names) const {
    check_names(names);
    archive.put(kKind, kind_);
    const std::vector<double> values = values_of(options_);
    archive.put(kOptions, Array<double>(xt::adapt(values, {values.size()})));
    Array<double> lrs = empty_array<double>({groups_.size()});
    Array<double> decays = empty_array<double>({groups_.size()});
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        lrs(g) = groups_[g].lr;
        decays(g) = groups_[g].weight_decay;
    }
    archive.put(kGroupLr, std::move(lrs));
    archive.put(kGroupWeightDecay, std::move(decays));
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string prefix = kState + names[i] + "/";
        archive.put(prefix + "steps", std::vector<std::uint64_t>{states_[i].steps});
        for (std::size_t b = 0; b < states_[i].buffers.size(); ++b)
            archive.put(prefix + buffer_names_[b], states_[i].buffers[b]);
    }
}

template <class T>
void Optimizer<T>::restore_state(const io::Archive& archive, std::span<const std::string> names) {
    check_names(names);
    const auto fail = [&](const std::string& defect) {
        throw io::ArchiveError(archive.source(), defect);
    };
    const std::string kind = archive.contains(kKind) ? archive.text(kKind) : "none";
    if (kind != kind_) fail("holds the state of optimizer '" + kind + "', not '" + kind_ + "'");
    const std::vector<double> saved = to_vector(archive.array<double>(kOptions));
    if (saved != values_of(options_))
        fail("its " + kind_ + " options " + listed(options_, saved) +
             " differ from this optimizer's " + listed(options_, values_of(options_)));
    const Array<double>& lrs = archive.array<double>(kGroupLr);
    const Array<double>& decays = archive.array<double>(kGroupWeightDecay);
    if (lrs.dimension() != 1 || lrs.size() != groups_.size() || decays.shape() != lrs.shape())
        fail("its optimizer has " + std::to_string(lrs.size()) + " parameter groups, this one " +
             std::to_string(groups_.size()));
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        if (decays(g) != groups_[g].weight_decay)
            fail("the weight decay of group " + std::to_string(g) + " is " +
                 std::to_string(decays(g)) + ", this optimizer's " +
                 std::to_string(groups_[g].weight_decay));
        if (!(std::isfinite(lrs(g)) && lrs(g) >= 0)) fail("a learning rate is not finite and >= 0");
    }
    std::vector<ParamState> restored(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string prefix = kState + names[i] + "/";
        if (!archive.contains(prefix + "steps"))
            fail("has no optimizer state for parameter '" + names[i] + "'");
        const auto& steps = archive.integers(prefix + "steps");
        if (steps.size() != 1) fail("entry '" + prefix + "steps' is malformed");
        restored[i].steps = steps[0];
        const bool started =
            !buffer_names_.empty() && archive.contains(prefix + buffer_names_.front());
        for (const std::string& buffer : buffer_names_) {
            if (!started) break;
            const std::string key = prefix + buffer;
            if (!archive.contains(key)) fail("has no entry '" + key + "'");
            const Array<T>& value = archive.array<T>(key);
            if (value.shape() != parameters_[i].shape())
                fail("entry '" + key + "' has shape " + to_string(value.shape()) +
                     ", the parameter's is " + to_string(parameters_[i].shape()));
            restored[i].buffers.push_back(value);
        }
    }
    for (const auto& [key, entry] : archive.entries()) {
        if (!key.starts_with(kState)) continue;
        const std::string rest = key.substr(kState.size());
        const std::string name = rest.substr(0, rest.rfind('/'));
        const std::string what = rest.substr(rest.rfind('/') + 1);
        if (std::find(names.begin(), names.end(), name) == names.end())
            fail("holds optimizer state for '" + name + "', which this optimizer does not have");
        if (what != "steps" &&
            std::find(buffer_names_.begin(), buffer_names_.end(), what) == buffer_names_.end())
            fail("holds an unknown optimizer buffer '" + key + "'");
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) groups_[g].lr = lrs(g);
    states_ = std::move(restored);
}

#define XTGRAD_INSTANTIATE(T) template class Optimizer<T>;
XTGRAD_FOR_EACH_ELEMENT_TYPE(XTGRAD_INSTANTIATE)
#undef XTGRAD_INSTANTIATE

}  // namespace xtgrad::optim
