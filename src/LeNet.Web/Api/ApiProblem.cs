namespace LeNet.Web.Api;

/// <summary>
/// A request the API refuses, as RFC 7807 problem details: the HTTP status, a stable machine-readable
/// <see cref="Code"/>, a short title and a detail that names the problem in this request.
/// </summary>
internal sealed class ApiProblem : Exception
{
    /// <summary>Creates the problem.</summary>
    /// <param name="status">400, 413 or 415.</param>
    /// <param name="code">The stable code, e.g. <c>wrong-pixel-count</c>; answered as the <c>code</c> member.</param>
    /// <param name="title">A short summary that is the same for every occurrence.</param>
    /// <param name="detail">What is wrong with this request.</param>
    public ApiProblem(int status, string code, string title, string detail)
        : base(detail)
    {
        (Status, Code, Title) = (status, code, title);
    }

    /// <summary>Creates a 400 problem.</summary>
    public ApiProblem()
        : this(StatusCodes.Status400BadRequest, "bad-request", "Bad request", "The request is not valid.")
    {
    }

    /// <summary>Creates a 400 problem with a detail.</summary>
    /// <param name="message">The detail.</param>
    public ApiProblem(string message)
        : this(StatusCodes.Status400BadRequest, "bad-request", "Bad request", message)
    {
    }

    /// <summary>Creates a 400 problem with a detail and its cause.</summary>
    /// <param name="message">The detail.</param>
    /// <param name="innerException">The cause.</param>
    public ApiProblem(string message, Exception innerException)
        : base(message, innerException)
    {
        (Status, Code, Title) = (StatusCodes.Status400BadRequest, "bad-request", "Bad request");
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The stable code.</summary>
    public string Code { get; }

    /// <summary>The short title.</summary>
    public string Title { get; }

    /// <summary>The problem as an HTTP result (<c>application/problem+json</c>), remembering its code for the request log.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The result.</returns>
    public IResult ToResult(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[RequestTimingMiddleware.ProblemCodeKey] = Code;
        return TypedResults.Problem(
            detail: Message,
            statusCode: Status,
            title: Title,
            extensions: new Dictionary<string, object?> { ["code"] = Code });
    }
}
