using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.IO;

namespace Stagecraft.Local.Storage;

/// <summary>Options for <see cref="LocalObjectStorage"/>.</summary>
public sealed record LocalObjectStorageOptions
{
    /// <summary>The default for <see cref="DefaultPageSize"/> (Cloud Storage's maximum page).</summary>
    public const int DefaultListPageSize = 1000;

    /// <summary>The options used when none are given.</summary>
    public static LocalObjectStorageOptions Default { get; } = new();

    /// <summary>
    /// What an object write fsyncs. A process crash never tears an object whatever this says; this decides what
    /// survives a power loss. Default: <see cref="Durability.File"/> (after a power loss an object is its old or
    /// its new version, complete either way).
    /// </summary>
    public Durability Durability { get; init; } = Durability.File;

    /// <summary>Listing page size when <see cref="Stagecraft.Storage.ListObjectsOptions.PageSize"/> is not given.</summary>
    public int DefaultPageSize { get; init; } = DefaultListPageSize;

    /// <summary>
    /// Uploads staged longer ago than this are taken to belong to killed writers and deleted when a store is
    /// opened. Must exceed the longest upload. Default: one day. On Unix a staged upload whose writer is provably gone
    /// (the kernel released the lock it held) is deleted when a store is opened once it is a minute old.
    /// </summary>
    public TimeSpan AbandonedUploadAge { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Clock for object update times and generations. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where housekeeping messages (abandoned uploads removed) go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (!Enum.IsDefined(Durability))
        {
            throw new ArgumentOutOfRangeException(nameof(Durability), Durability, "Unknown durability.");
        }

        if (DefaultPageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultPageSize), DefaultPageSize, "The page size must be at least 1.");
        }

        if (AbandonedUploadAge < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(AbandonedUploadAge), AbandonedUploadAge, "The age must not be negative.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
