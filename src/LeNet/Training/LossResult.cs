namespace LeNet.Training;

/// <summary>The value of a loss for a batch and its gradient with respect to the logits.</summary>
/// <param name="Loss">The mean loss over the batch.</param>
/// <param name="Gradient">∂loss/∂logits, the logits' shape [N, C]: what <c>model.Backward</c> takes.</param>
/// <param name="Correct">How many rows' largest logit is at the target class (for accuracy).</param>
public readonly record struct LossResult(float Loss, Tensor Gradient, int Correct);
