#include "xtgrad/autograd/random.hpp"

#include <bit>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace xtgrad {

void RandomEngine::shuffle(std::span<std::size_t> items) {
    for (std::size_t i = items.size(); i-- > 1;) std::swap(items[i], items[below_or_equal(i)]);
}

namespace {

/// Polar Box-Muller: two normals per accepted pair; returns f * x2 and caches f * x1.
template <class Uniform>
double polar_normal(bool& has_cached, double& cached, Uniform uniform) {
    if (has_cached) {
        has_cached = false;
        return cached;
    }
    double x1 = 0;
    double x2 = 0;
    double r2 = 0;
    do {
        x1 = 2.0 * uniform() - 1.0;
        x2 = 2.0 * uniform() - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    cached = f * x1;
    has_cached = true;
    return f * x2;
}

/// Smallest 2^k - 1 >= max.
std::uint64_t covering_mask(std::uint64_t max) {
    return max == 0 ? 0 : (~std::uint64_t{0} >> std::countl_zero(max));
}

template <class Engine>
std::string engine_state(std::string_view kind, const Engine& engine, bool has_cached,
                         double cached) {
    std::ostringstream out;
    out << kind << ' ' << engine << ' ' << has_cached << ' '
        << std::bit_cast<std::uint64_t>(cached);
    return out.str();
}

template <class Engine>
void restore_engine_state(std::string_view kind, std::string_view text, Engine& engine,
                          bool& has_cached, double& cached) {
    std::istringstream in{std::string(text)};
    std::string found;
    Engine restored;
    bool restored_has_cached = false;
    std::uint64_t cached_bits = 0;
    in >> found >> restored >> restored_has_cached >> cached_bits;
    if (!in || found != kind)
        throw std::invalid_argument("random engine state is not a valid '" + std::string(kind) +
                                    "' state");
    engine = restored;
    has_cached = restored_has_cached;
    cached = std::bit_cast<double>(cached_bits);
}

}  // namespace

NumpyRandom::NumpyRandom(std::uint32_t seed) : engine_(seed) {}

double NumpyRandom::uniform() {
    const std::uint32_t a = engine_() >> 5;
    const std::uint32_t b = engine_() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

double NumpyRandom::normal() {
    return polar_normal(has_cached_normal_, cached_normal_, [this] { return uniform(); });
}

std::uint64_t NumpyRandom::below_or_equal(std::uint64_t max) {
    const std::uint64_t mask = covering_mask(max);
    std::uint64_t value = 0;
    if (max <= 0xffffffffULL) {
        do value = engine_() & mask;
        while (value > max);
    } else {
        do {
            const std::uint64_t high = engine_();
            value = ((high << 32) | engine_()) & mask;
        } while (value > max);
    }
    return value;
}

std::string NumpyRandom::state() const {
    return engine_state(kind(), engine_, has_cached_normal_, cached_normal_);
}

void NumpyRandom::set_state(std::string_view state) {
    restore_engine_state(kind(), state, engine_, has_cached_normal_, cached_normal_);
}

StdRandom::StdRandom(std::uint64_t seed) : engine_(seed) {}

double StdRandom::uniform() {
    return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

double StdRandom::normal() {
    return polar_normal(has_cached_normal_, cached_normal_, [this] { return uniform(); });
}

std::uint64_t StdRandom::below_or_equal(std::uint64_t max) {
    const std::uint64_t mask = covering_mask(max);
    std::uint64_t value = 0;
    do value = engine_() & mask;
    while (value > max);
    return value;
}

std::string StdRandom::state() const {
    return engine_state(kind(), engine_, has_cached_normal_, cached_normal_);
}

void StdRandom::set_state(std::string_view state) {
    restore_engine_state(kind(), state, engine_, has_cached_normal_, cached_normal_);
}

std::unique_ptr<RandomEngine> make_random_engine(std::string_view kind, std::uint64_t seed) {
    if (kind == "numpy") {
        if (seed > 0xffffffffULL)
            throw std::invalid_argument("the numpy engine takes a 32-bit seed, got " +
                                        std::to_string(seed));
        return std::make_unique<NumpyRandom>(static_cast<std::uint32_t>(seed));
    }
    if (kind == "std") return std::make_unique<StdRandom>(seed);
    throw std::invalid_argument("unknown random engine '" + std::string(kind) +
                                "' (expected numpy or std)");
}

}  // namespace xtgrad
