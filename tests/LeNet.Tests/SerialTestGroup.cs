namespace LeNet.Tests;

/// <summary>
/// Tests that change <see cref="Parallelism.MaxDegreeOfParallelism"/> (a process-wide setting) or count
/// allocations run alone, so no other test changes the thread count under them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTestGroup
{
    public const string Name = "Parallelism";
}
