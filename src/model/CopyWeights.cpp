#include "model/CopyWeights.hpp"

#include "core/Error.hpp"

namespace efgnn {

void copyWeights(EdgeClassifierModel& into, EdgeClassifierModel& from, const std::string& origin) {
  // Masks first, so that the mask buffers exist when buffers are copied.
  const auto source_layers = linearLayers(from);
  for (auto& l : linearLayers(into))
    for (const auto& s : source_layers)
      if (s.name == l.name && s.layer->hasMask()) l.layer->setMask(s.layer->mask());
  torch::NoGradGuard no_grad;
  const auto copy = [&](const auto& targets, const auto& sources) {
    for (const auto& item : targets) {
      const torch::Tensor* value = sources.find(item.key());
      if (!value) continue;
      if (value->sizes() != item.value().sizes())
        throw Error(origin + ": '" + item.key() + "' has shape " + c10::str(value->sizes()) +
                    ", the model it is copied into has " + c10::str(item.value().sizes()) +
                    " (a different architecture; check hidden, layers and features)");
      item.value().copy_(*value);  // copy_ crosses devices itself
    }
  };
  copy(into.named_parameters(), from.named_parameters());
  copy(into.named_buffers(), from.named_buffers());
  applyMasks(into);
}

}  // namespace efgnn
