// Everything of xtgrad::nn: modules, layers, losses, the fused and composed ops, checks.
#pragma once

#include "xtgrad/nn/activations.hpp"
#include "xtgrad/nn/batch_norm.hpp"
#include "xtgrad/nn/check.hpp"
#include "xtgrad/nn/composed.hpp"
#include "xtgrad/nn/composed_guard.hpp"
#include "xtgrad/nn/conv.hpp"
#include "xtgrad/nn/dropout.hpp"
#include "xtgrad/nn/functional_call.hpp"
#include "xtgrad/nn/fused_ops.hpp"
#include "xtgrad/nn/init.hpp"
#include "xtgrad/nn/linear.hpp"
#include "xtgrad/nn/losses.hpp"
#include "xtgrad/nn/module.hpp"
#include "xtgrad/nn/sequential.hpp"
#include "xtgrad/nn/serialize.hpp"
#include "xtgrad/nn/weights.hpp"
