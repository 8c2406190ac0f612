using FluentAssertions.Collections;
using FluentAssertions.Execution;

namespace LeNet.Tests;

/// <summary>The one tolerance check of the test suite: |actual − expected| ≤ atol + rtol·|expected| element-wise.</summary>
public static class CloseToAssertions
{
    /// <summary>Fails with the max difference and the first bad index when any element is out of tolerance.</summary>
    public static AndConstraint<GenericCollectionAssertions<float>> BeCloseTo(
        this GenericCollectionAssertions<float> assertions, IReadOnlyList<float> expected, double atol, double rtol = 0, string because = "")
    {
        float[] actual = assertions.Subject?.ToArray() ?? [];
        Execute.Assertion
            .BecauseOf(because)
            .ForCondition(actual.Length == expected.Count)
            .FailWith("Expected {0} elements{reason}, got {1}.", expected.Count, actual.Length);

        double maxDiff = 0;
        int firstBad = -1;
        for (int i = 0; i < actual.Length && i < expected.Count; i++)
        {
            double diff = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(diff) && !(float.IsNaN(actual[i]) && float.IsNaN(expected[i])))
            {
                diff = double.PositiveInfinity;
            }

            maxDiff = Math.Max(maxDiff, diff);
            if (firstBad < 0 && diff > atol + (rtol * Math.Abs(expected[i])))
            {
                firstBad = i;
            }
        }

        Execute.Assertion
            .BecauseOf(because)
            .ForCondition(firstBad < 0)
            .FailWith(
                "Expected values within atol {0} + rtol {1}{reason}, but the max difference is {2}; first bad index {3}: {4} vs expected {5}.",
                atol, rtol, maxDiff, firstBad, firstBad < 0 ? 0f : actual[firstBad], firstBad < 0 ? 0f : expected[firstBad]);
        return new AndConstraint<GenericCollectionAssertions<float>>(assertions);
    }
}
