// Seeded random engines. Everything random in xtgrad (initial weights, shuffles, synthetic
// data) draws from one of these, passed explicitly: the same seed gives the same numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace xtgrad {

class RandomEngine {
  public:
    virtual ~RandomEngine() = default;

    /// Uniform double in [0, 1) with 53 random bits.
    virtual double uniform() = 0;
    /// Standard normal.
    virtual double normal() = 0;
    /// Uniform integer in [0, max].
    virtual std::uint64_t below_or_equal(std::uint64_t max) = 0;
    /// Fisher-Yates from the back: for i = n-1 down to 1, swap items i and below_or_equal(i).
    void shuffle(std::span<std::size_t> items);

    /// "numpy" or "std".
    virtual std::string_view kind() const = 0;
    /// Complete state as text (for checkpoints); set_state restores it exactly.
    virtual std::string state() const = 0;
    virtual void set_state(std::string_view state) = 0;
};

/// numpy's legacy generator (np.random.seed / RandomState): MT19937 seeded by init_genrand,
/// random_sample's 53-bit doubles, the polar Box-Muller normal that caches its second value,
/// and shuffle's masked-rejection random_interval. Bit-for-bit the stream of
/// np.random.seed(seed); np.random.randn(...); np.random.shuffle(...).
class NumpyRandom final : public RandomEngine {
  public:
    explicit NumpyRandom(std::uint32_t seed);

    double uniform() override;
    double normal() override;
    std::uint64_t below_or_equal(std::uint64_t max) override;
    std::string_view kind() const override { return "numpy"; }
    std::string state() const override;
    void set_state(std::string_view state) override;

  private:
    std::mt19937 engine_;  // init_genrand(seed): the same 32-bit stream as numpy
    bool has_cached_normal_ = false;
    double cached_normal_ = 0;
};

/// std::mt19937_64 with transforms defined here (not by the standard library's distributions,
/// which differ between implementations), so its numbers are the same on every platform.
class StdRandom final : public RandomEngine {
  public:
    explicit StdRandom(std::uint64_t seed);

    double uniform() override;
    double normal() override;
    std::uint64_t below_or_equal(std::uint64_t max) override;
    std::string_view kind() const override { return "std"; }
    std::string state() const override;
    void set_state(std::string_view state) override;

  private:
    std::mt19937_64 engine_;
    bool has_cached_normal_ = false;
    double cached_normal_ = 0;
};

/// "numpy" or "std"; throws std::invalid_argument for anything else.
std::unique_ptr<RandomEngine> make_random_engine(std::string_view kind, std::uint64_t seed);

}  // namespace xtgrad
