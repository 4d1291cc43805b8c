// perfectmatch learn: trains the reciprocal model on the outcomes recorded so far and stores it as
// a new version, which every serving node then loads (docs/matching.md "The learned ranking").

#include <iostream>

#include <fmt/format.h>

#include "app/app.hpp"
#include "app/commands.hpp"

namespace pm::app {

int learn(Config config) {
  try {
    App app(std::move(config));
    auto report = app.learner.learn();
    app.close();
    if (!report) {
      std::cerr << "learn: " << report.error().detail << "\n";
      return 1;
    }
    if (report->version) {
      std::cout << fmt::format("learn: model version {} trained on {} outcomes in {:.1f} s\n", *report->version,
                               report->outcomes, report->seconds);
      // The calibrated cold-start score is explainable by its weights (docs/matching-quality.md).
      if (report->cold_start) {
        std::cout << "learn: cold-start score, logit p(a likes b) = bias + weight x (feature - mean) / sd:\n"
                  << fmt::format("  {:<13} {:+.3f}\n", "bias", report->cold_start->bias());
        for (const auto& line : report->cold_start->describe()) std::cout << "  " << line << "\n";
      }
    } else
      std::cout << fmt::format(
          "learn: skipped, {} outcomes are fewer than PM_LEARN_MIN_OUTCOMES ({}); ranking stays by questionnaire\n",
          report->outcomes, app.config.learn_min_outcomes);
    std::cout << report->to_json().dump() << "\n";
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "learn: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace pm::app
