// Everything of xtgrad::optim.
#pragma once

#include "xtgrad/optim/adagrad.hpp"
#include "xtgrad/optim/adam.hpp"
#include "xtgrad/optim/clip.hpp"
#include "xtgrad/optim/optimizer.hpp"
#include "xtgrad/optim/rmsprop.hpp"
#include "xtgrad/optim/schedule.hpp"
#include "xtgrad/optim/sgd.hpp"
