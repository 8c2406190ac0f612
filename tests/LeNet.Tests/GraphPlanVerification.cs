using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LeNet.Graphs;

namespace LeNet.Tests;

/// <summary>
/// Turns on the check of every new evaluation-mode graph plan against the eager result of the call that traced it
/// (off in the library by default, for the load-to-first-answer time): every test that runs a Module in evaluation
/// mode then also compares its compiled plan with its layers.
/// </summary>
internal static class GraphPlanVerification
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly: the switch must hold before any test runs.")]
    internal static void TurnOn() => GraphPlans.Verify = true;
}
