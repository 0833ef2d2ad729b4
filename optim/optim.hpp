// Everything of xtgrad::optim.
#pragma once

#include "xtgrad/optim/optimizer.hpp"
#include "xtgrad/optim/sgd.hpp"
