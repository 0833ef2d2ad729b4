// Everything of xtgrad::train: the Trainer, its run loop, checkpoints, metrics, progress, and
// the standard MLP run with its configuration table.
#pragma once

#include "xtgrad/train/checkpoint.hpp"
#include "xtgrad/train/choices.hpp"
#include "xtgrad/train/metrics.hpp"
#include "xtgrad/train/mlp_run.hpp"
#include "xtgrad/train/observer.hpp"
#include "xtgrad/train/progress.hpp"
#include "xtgrad/train/run_config.hpp"
#include "xtgrad/train/run_loop.hpp"
#include "xtgrad/train/trainer.hpp"
