#pragma once
// Plans as markdown, ready to post as a pull-request comment: a heading with
// the summary line, a table of counts by action, a collapsed details block
// per changed resource with its reasons, and a warning section for what a
// reviewer must not miss (deletions, CA replacements, plan errors). No
// colour codes; text from the plan is escaped.
#include <string>
#include <string_view>

#include "reconciler/plan.h"

namespace keyform {

std::string render_plan_markdown(const Plan& plan);

// Escapes text for markdown inline content (and inline HTML): backslash
// before markdown punctuation, entities for < > &.
std::string markdown_escape(std::string_view s);

}  // namespace keyform
