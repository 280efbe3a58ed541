#include "fasim/model/completion.hpp"
#include "fasim/model/words.hpp"

#include "fasim/parallel/error.hpp"

#include <sstream>

namespace fasim::model {

void observe_entries(Problem& p, const CompletionSpec& spec, std::optional<parallel::DistMatrix> given) {
  if (spec.observe != Observe::Completion) {
    if (given)
      throw UsageError(std::string("the input file gives a mask M but problem.observe = ") +
                       io::schema::to_string(spec.observe) + "; set problem.observe = " +
                       io::schema::to_string(Observe::Completion) + " to use it, or remove M from the file");
    p.mask.reset();
    p.mask_from_input = false;
    return;
  }
  const parallel::DistMatrix* y = p.target->dense();
  if (!y || !p.target->isotropic())
    throw UsageError("problem.observe = completion masks a dense Y entry by entry: set "
                     "problem.representation = dense (and a source other than linear-network)");
  if (given) {
    if (!given->same_layout(*y))
      throw UsageError("the input file's mask M is " + std::to_string(given->rows()) + "×" +
                       std::to_string(given->cols()) + " on another layout than Y (" +
                       std::to_string(y->rows()) + "×" + std::to_string(y->cols()) +
                       "); give M with Y's shape");
    p.mask = std::make_shared<const linalg::EntryMask>(
        linalg::EntryMask::from_matrix(*given, "the input file's mask M"));
    // observed_count is collective over the grid: only its ranks take part (a test grid may leave ranks out).
    if (y->grid()->active() && p.mask->observed_count(*y) == 0)
      throw UsageError("the input file's mask M observes no entry of Y (it holds only 0): the observed loss "
                       "would be 0 from the start; give a mask with some 1s");
    p.mask_from_input = true;
    return;
  }
  p.mask =
      std::make_shared<const linalg::EntryMask>(linalg::EntryMask::bernoulli(*y, spec.fraction, spec.seed));
  if (y->grid()->active() && p.mask->observed_count(*y) == 0) {
    std::ostringstream fraction;
    fraction << spec.fraction;
    throw UsageError("completion.fraction = " + fraction.str() + " observes no entry of the " +
                     std::to_string(y->rows()) + "×" + std::to_string(y->cols()) +
                     " Y (completion.seed = " + std::to_string(spec.seed) +
                     "): the observed loss would be 0 from the start; raise completion.fraction");
  }
  p.mask_from_input = false;
}

} // namespace fasim::model
