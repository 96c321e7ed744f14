// The runtime's kernels that training runs on (ops/Affine.hpp): a dense layer's products and its
// weight gradient, on every instruction set this CPU has, against plain double sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "runtime/Isa.hpp"
#include "runtime/Kernels.hpp"

namespace efgnn {
namespace {

using runtime::Isa;

/// Rows of `width` values, about a third of them zero (as after a ReLU).
std::vector<float> sparseRows(std::size_t rows, std::size_t width, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(rows * width);
  for (auto& x : v) {
    x = normal(rng);
    if (x < -0.4f) x = 0.f;
  }
  return v;
}

struct Shape {
  std::size_t rows;
  int in, out;
};

// Widths that take each path: whole vectors (16 to 128), blocks of columns (192, 288, 384), the
// plain loops (1, 7, 17), and more rows than one block of the gradient's sums (2048).
const std::vector<Shape> kShapes{{1, 4, 48}, {300, 48, 48}, {5000, 288, 48}, {2500, 48, 288}, {700, 17, 7},
                                 {90, 96, 1}, {64, 192, 192}, {33, 6, 16}, {600, 384, 128}, {300, 128, 384}};

TEST(TrainingKernels, DenseProductsAreTheLayersSums) {
  for (const Isa isa : runtime::supportedIsas())
    for (const auto& s : kShapes) {
      const auto x = sparseRows(s.rows, static_cast<std::size_t>(s.in), 1);
      const auto w = sparseRows(static_cast<std::size_t>(s.out), static_cast<std::size_t>(s.in), 2);  // [out][in]
      const auto b = sparseRows(1, static_cast<std::size_t>(s.out), 3);
      runtime::DenseLayer layer = runtime::DenseLayer::fromRowMajor(w.data(), s.out, s.in, b.data());
      std::vector<float> y(s.rows * static_cast<std::size_t>(s.out));
      runtime::Execution exec;
      exec.isa = isa;
      runtime::runDense(layer, x.data(), s.rows, static_cast<std::size_t>(s.in), y.data(),
                        static_cast<std::size_t>(s.out), exec);
      double worst = 0;
      for (std::size_t r = 0; r < s.rows; ++r)
        for (int o = 0; o < s.out; ++o) {
          double sum = b[static_cast<std::size_t>(o)], magnitude = std::abs(sum);
          for (int k = 0; k < s.in; ++k) {
            const double t = double(x[r * s.in + k]) * w[static_cast<std::size_t>(o) * s.in + k];
            sum += t;
            magnitude += std::abs(t);
          }
          worst = std::max(worst, std::abs(y[r * s.out + o] - sum) / (magnitude + 1e-30));
        }
      EXPECT_LT(worst, 1e-6) << runtime::nameOf(isa) << " " << s.rows << "x" << s.in << "->" << s.out;
    }
}

TEST(TrainingKernels, WeightGradientIsTheSumOfOuterProductsWhateverTheThreads) {
  for (const Isa isa : runtime::supportedIsas())
    for (const auto& s : kShapes) {
      const auto x = sparseRows(s.rows, static_cast<std::size_t>(s.in), 4);
      const auto dy = sparseRows(s.rows, static_cast<std::size_t>(s.out), 5);
      const auto n_w = static_cast<std::size_t>(s.out * s.in);
      std::vector<float> dw(n_w), db(static_cast<std::size_t>(s.out)), dw1(n_w), db1(db.size());
      runtime::Execution exec;
      exec.isa = isa;
      exec.threads = 2;
      runtime::denseWeightGradient(dy.data(), s.rows, static_cast<std::size_t>(s.out), s.out, x.data(),
                                   static_cast<std::size_t>(s.in), s.in, dw.data(), db.data(), exec);
      exec.threads = 1;
      runtime::denseWeightGradient(dy.data(), s.rows, static_cast<std::size_t>(s.out), s.out, x.data(),
                                   static_cast<std::size_t>(s.in), s.in, dw1.data(), db1.data(), exec);
      EXPECT_EQ(dw, dw1) << "weight gradient depends on the thread count";
      EXPECT_EQ(db, db1) << "bias gradient depends on the thread count";
      double worst = 0;
      for (int o = 0; o < s.out; ++o) {
        double bias = 0, bias_magnitude = 0;
        for (std::size_t r = 0; r < s.rows; ++r) {
          bias += dy[r * s.out + o];
          bias_magnitude += std::abs(dy[r * s.out + o]);
        }
        worst = std::max(worst, std::abs(db[static_cast<std::size_t>(o)] - bias) / (bias_magnitude + 1e-30));
        for (int k = 0; k < s.in; ++k) {
          double sum = 0, magnitude = 0;
          for (std::size_t r = 0; r < s.rows; ++r) {
            const double t = double(dy[r * s.out + o]) * x[r * s.in + k];
            sum += t;
            magnitude += std::abs(t);
          }
          worst = std::max(worst, std::abs(dw[static_cast<std::size_t>(o) * s.in + k] - sum) / (magnitude + 1e-30));
        }
      }
      EXPECT_LT(worst, 1e-5) << runtime::nameOf(isa) << " " << s.rows << "x" << s.in << "->" << s.out;
    }
}

// LayerNorm + activation and its backward pass, against double arithmetic, on every instruction
// set (whole vectors and the plain loop).
TEST(TrainingKernels, LayerNormActivationAndItsGradient) {
  using runtime::Activation;
  for (const Isa isa : runtime::supportedIsas())
    for (const auto activation : {Activation::ReLU, Activation::SiLU, Activation::Tanh})
      for (const std::size_t width : {16, 48, 128, 7}) {
        const std::size_t rows = 200;
        auto h = sparseRows(rows, width, 7);
        for (auto& v : h) v = 3 * v + 1;
        const auto dy = sparseRows(rows, width, 8);
        std::vector<float> y(rows * width), xhat(rows * width), rstd(rows), dh(rows * width);
        runtime::Execution exec;
        exec.isa = isa;
        runtime::normalizeAndActivateRows(h.data(), rows, width, activation, y.data(), xhat.data(), rstd.data(), exec);
        runtime::normalizeAndActivateRowsBackward(dy.data(), xhat.data(), rstd.data(), rows, width, activation,
                                                  dh.data(), exec);
        const auto act = [&](double z) {
          return activation == Activation::ReLU ? std::max(z, 0.0)
                 : activation == Activation::SiLU ? z / (1 + std::exp(-z))
                                                  : std::tanh(z);
        };
        double worst_y = 0, worst_dh = 0;
        const auto derivative = [&](double z) {
          if (activation == Activation::ReLU) return z > 0 ? 1.0 : 0.0;
          if (activation == Activation::SiLU) {
            const double sig = 1 / (1 + std::exp(-z));
            return sig * (1 + z * (1 - sig));
          }
          return 1 - std::tanh(z) * std::tanh(z);
        };
        // In double: xhat, the value, and the gradient of LayerNorm without affine parameters,
        // dh = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy act'(xhat) (the formula itself is
        // checked against LibTorch's autograd in NormActivation.*).
        for (std::size_t r = 0; r < rows; ++r) {
          const double n = static_cast<double>(width);
          double mean = 0, var = 0;
          for (std::size_t c = 0; c < width; ++c) mean += h[r * width + c];
          mean /= n;
          for (std::size_t c = 0; c < width; ++c) var += (h[r * width + c] - mean) * (h[r * width + c] - mean);
          const double inv = 1 / std::sqrt(var / n + 1e-5);
          std::vector<double> x(width), g(width);
          double g_mean = 0, gx_mean = 0;
          for (std::size_t c = 0; c < width; ++c) {
            x[c] = (h[r * width + c] - mean) * inv;
            worst_y = std::max(worst_y, std::abs(y[r * width + c] - act(x[c])));
            // Where the float xhat and the double one lie on either side of ReLU's kink, the float
            // one decides (both are right there).
            g[c] = dy[r * width + c] * derivative(activation == Activation::ReLU ? xhat[r * width + c] : x[c]);
            g_mean += g[c] / n;
            gx_mean += g[c] * x[c] / n;
          }
          for (std::size_t c = 0; c < width; ++c) {
            const double expected = inv * (g[c] - g_mean - x[c] * gx_mean);
            worst_dh = std::max(worst_dh, std::abs(dh[r * width + c] - expected) / (1 + std::abs(expected)));
          }
        }
        EXPECT_LT(worst_y, 1e-5) << runtime::nameOf(isa) << " width " << width;
        EXPECT_LT(worst_dh, 1e-4) << runtime::nameOf(isa) << " width " << width;
      }
}

}  // namespace
}  // namespace efgnn
