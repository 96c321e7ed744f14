#pragma once
// What a resumed run may change. A training, a pruning run and a scan record their settings when
// they start and refuse to go on with others, since the result would belong to neither; the keys
// that say where a run computes (threads, device), not what, are free.
#include <string>
#include <vector>

namespace efgnn {

/// The changes (configChanges lines, "key: old -> new") from the recorded settings to the present
/// ones that a resumed run may not make: all but the placement keys and `also_free`, whether
/// bare or after a "run." prefix as in a scan's settings.
std::string forbiddenResumeChanges(const std::string& recorded, const std::string& present, bool only_common_keys,
                                   const std::vector<std::string>& also_free = {});

}  // namespace efgnn
