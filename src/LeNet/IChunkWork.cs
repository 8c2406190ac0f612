namespace LeNet;

/// <summary>Work split into chunks for a <see cref="ParallelTeam"/>: chunk <c>i</c> runs once, on some worker.</summary>
internal interface IChunkWork
{
    /// <summary>Runs chunk <paramref name="chunk"/>; <paramref name="worker"/> (0 = the calling thread) names the scratch it may use, which no other worker touches meanwhile.</summary>
    void Run(int chunk, int worker);
}
