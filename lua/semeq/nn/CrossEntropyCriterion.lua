-- nn.CrossEntropyCriterion([weights]): softmax cross entropy on logits [N x C] with targets a
-- tensor of N class indices in 1..C. Optional class weights [C] give PyTorch's weighted mean:
-- sum_i w[y_i] * -log p_i[y_i] / sum_i w[y_i].
local core = require "semeq.nn.core"
local Criterion = require "semeq.nn.Criterion"

local CrossEntropyCriterion = Criterion.class("nn.CrossEntropyCriterion", Criterion)

function CrossEntropyCriterion:__init(weights)
  Criterion.__init(self)
  self.weights = weights and weights:contiguous() or nil
end

function CrossEntropyCriterion:compute(input, target, grad)
  return core.cross_entropy(input, target:contiguous(), self.weights, grad)
end

return CrossEntropyCriterion
