namespace LeNet.Web.Api;

/// <summary>The answer of <c>POST /api/predict</c>.</summary>
/// <param name="Digit">The most likely digit, 0–9.</param>
/// <param name="Probabilities">softmax of the logits: the probability of each digit 0–9, summing to 1.</param>
/// <param name="Model">The model that answered: "classic" or "modern".</param>
/// <param name="ElapsedMicroseconds">Server time to decode, preprocess and classify the body (after it was received).</param>
internal sealed record PredictionResponse(int Digit, float[] Probabilities, string Model, long ElapsedMicroseconds);
