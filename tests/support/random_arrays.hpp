// Deterministic random arrays for tests, independent of the library's own generators.
#pragma once

#include <cstdint>
#include <random>

#include <xtgrad/autograd/array.hpp>

namespace xtgrad::testing {

/// A small deterministic source of test values.
class TestRandom {
  public:
    explicit TestRandom(std::uint64_t seed) : engine_(seed) {}

    /// Uniform in [low, high).
    double uniform(double low, double high) {
        const double u = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
        return low + (high - low) * u;
    }

    /// Values with magnitude in [min_abs, max_abs] and random sign: away from the kinks at 0.
    template <class T>
    Array<T> away_from_zero(const Shape& shape, double min_abs = 0.1, double max_abs = 1.0) {
        Array<T> out = empty_array<T>(shape);
        for (auto& v : out) {
            const double magnitude = uniform(min_abs, max_abs);
            v = static_cast<T>(uniform(0, 1) < 0.5 ? -magnitude : magnitude);
        }
        return out;
    }

    template <class T>
    Array<T> uniform_array(const Shape& shape, double low, double high) {
        Array<T> out = empty_array<T>(shape);
        for (auto& v : out) v = static_cast<T>(uniform(low, high));
        return out;
    }

  private:
    std::mt19937_64 engine_;
};

}  // namespace xtgrad::testing
