// Weight initialisation, drawn from an explicit RandomEngine in row-major order.
#pragma once

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/random.hpp"

namespace xtgrad::nn {

struct Init {
    enum class Kind {
        normal,           // N(0, std^2): the lab's randn(in, out) * init_std
        xavier_uniform,   // U(-b, b), b = sqrt(6 / (in + out))   (Glorot & Bengio)
        kaiming_uniform,  // U(-b, b), b = sqrt(6 / in): He et al. for ReLU
    };
    Kind kind = Kind::normal;
    double std = 0.01;

    static Init normal(double std) { return {Kind::normal, std}; }
    static Init xavier_uniform() { return {Kind::xavier_uniform, 0}; }
    static Init kaiming_uniform() { return {Kind::kaiming_uniform, 0}; }
};

/// Fills a (fan_in, fan_out) weight in row-major order. Draws are made in double and rounded
/// to T once, so a float64 model gets numpy's exact values.
template <class T>
void initialize(Array<T>& weight, const Init& init, RandomEngine& rng);

extern template void initialize(Array<float>&, const Init&, RandomEngine&);
extern template void initialize(Array<double>&, const Init&, RandomEngine&);

}  // namespace xtgrad::nn
