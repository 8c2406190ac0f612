namespace LeNet.Training;

/// <summary>The value of a loss for a batch and its gradient with respect to the loss's input.</summary>
/// <param name="Loss">The loss: the mean over the batch (or the elements), or the sum with <c>reduction: "sum"</c>.</param>
/// <param name="Gradient">∂loss/∂input, the input's shape ([N, C] logits for the classification losses, any shape for <see cref="MSELoss"/> and <see cref="BCEWithLogitsLoss"/>): what <c>model.Backward</c> takes.</param>
/// <param name="Correct">For <see cref="CrossEntropyLoss"/> and <see cref="NLLLoss"/>, how many rows' largest input is at the target class (for accuracy); 0 for the others.</param>
public readonly record struct LossResult(float Loss, Tensor Gradient, int Correct);
