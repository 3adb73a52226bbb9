--- Files that `stance init` writes into a new corpus.
local M = {}

--- The schema of a new corpus (.stance/schema.stance). Targets are the corpus's own.
M.schema = [[
# The schema of this corpus: what annotators can mark, and the keys they press for it.
# Edit it freely; `stance check` lists what annotation files use that it does not know.
format stance 1

corpus
  include "*.txt" "*.md"

# The topics that texts argue about. Add your own: key, color and title are optional.
# target sanctions
#   key s
#   title "Economic sanctions"

stance favor
  key f
  color #2e7d32
  title "argues for the target"

stance against
  key a
  color #c62828
  title "argues against the target"

stance neutral
  key n
  color #757575
  title "discusses the target without taking a side"

role claim
  key c
role premise
  key p
role evidence
  key e
role rebuttal
  key r

relation supports
  key s
  color #2e7d32
relation attacks
  key a
  color #c62828

# Labels are what the annotator picks with one key after the operator (gs); a label can
# set a stance or role, and ask for the rest.
label favor
  key f
  stance favor
  ask target
label against
  key a
  stance against
  ask target
label neutral
  key n
  stance neutral
  ask target
label claim
  key c
  role claim
  ask target stance
label premise
  key p
  role premise
label evidence
  key e
  role evidence
label rebuttal
  key r
  role rebuttal
]]

--- The stance cues shipped by default (.stance/lexicon.stance overrides them): words and
--- phrases that signal a position, by category. A word ending in * matches every word that
--- starts with it; cues do not run over punctuation.
M.lexicon = [[
# Stance cues: words and phrases that signal a position. Copy this file to
# .stance/lexicon.stance and edit it; `fail*` matches every word starting with "fail".
format stance 1

category deontic
  title "Deontic modals: what should (not) be done"
  cues should "should not" must "must not" "ought to" "has to" "have to" "need to" "needs to" "cannot" "can't"
  cues "it is time" "it is time to" "we should" "we must" urge* demand*

category evaluation
  title "Evaluations: judged good or bad"
  cues fail* ineffective effective success* worthy unworthy disastr* catastroph* reckless wise unwise
  cues "a mistake" misguided sensible absurd naive naïve dangerous counterproductive productive
  cues "does not work" works wrong right flawed

category hedge
  title "Hedges: less than certain"
  cues perhaps maybe might may possibly probably arguably "it seems" seemingly likely unlikely
  cues "to some extent" somewhat suggest*

category booster
  title "Boosters: more than certain"
  cues clearly "no doubt" certainly obviously undoubtedly "of course" indeed definitely surely
  cues "there is no question" plainly evident*

category negation
  title "Negations"
  cues not no never none neither nor nobody nothing "don't" "doesn't" "didn't" "won't" "isn't"
]]

return M
