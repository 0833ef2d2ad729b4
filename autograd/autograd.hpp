// Everything of the autograd core: tensors, ops, the tape, custom ops, gradient checks.
#pragma once

#include "xtgrad/autograd/array.hpp"
#include "xtgrad/autograd/blas.hpp"
#include "xtgrad/autograd/broadcast.hpp"
#include "xtgrad/autograd/custom_op.hpp"
#include "xtgrad/autograd/forward_mode.hpp"
#include "xtgrad/autograd/functional.hpp"
#include "xtgrad/autograd/grad.hpp"
#include "xtgrad/autograd/gradcheck.hpp"
#include "xtgrad/autograd/graphviz.hpp"
#include "xtgrad/autograd/op_info.hpp"
#include "xtgrad/autograd/ops.hpp"
#include "xtgrad/autograd/random.hpp"
#include "xtgrad/autograd/tape.hpp"
#include "xtgrad/autograd/tensor.hpp"
