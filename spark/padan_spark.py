"""padan's merge on Apache Spark: the steps of `padan spark`, run as Spark tasks where they split.

    spark-submit --master local[2] spark/padan_spark.py --config padan.toml [--out DIR]
        [--work W] [--partitions P] [--chunk-mb MB] [--decisions FILE] [--keep-work]
        [--timings FILE]

It writes the same generation as `padan run --config padan.toml --out DIR`, with the same stdout
and exit status. The padan binary is $PADAN, else a file named padan shipped with
`--files /path/to/padan`, else `padan` on PATH. W must be a folder the driver and every executor
can open as files (local disk in local mode, a shared mount on a cluster).
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from pyspark import SparkContext, SparkFiles
from pyspark.sql import SparkSession

NO_PADAN = "padan_spark: no padan binary: set $PADAN, ship it with --files, or put it on PATH\n"


def padan_binary():
    """The padan binary to run, or None: called in the driver and in each task."""
    if os.environ.get("PADAN"):
        return os.environ["PADAN"]
    try:
        shipped = SparkFiles.get("padan")
    except Exception:  # no SparkFiles root in this process: nothing was shipped
        shipped = None
    if shipped and os.path.isfile(shipped):
        if not os.access(shipped, os.X_OK):
            os.chmod(shipped, 0o755)  # a copy shipped with --files may lose its executable bit
        return shipped
    return shutil.which("padan")


def run(args, threads=None):
    """Runs `padan spark ARGS`; returns (exit status, stdout, stderr) rather than raising, so
    that a task's failure reaches the driver as padan's own message."""
    exe = padan_binary()
    if exe is None:
        return 2, "", NO_PADAN
    threads = [] if threads is None else ["--threads", str(threads)]
    p = subprocess.run(
        [exe, "spark", *args, *threads], capture_output=True, text=True, errors="replace"
    )
    return p.returncode, p.stdout, p.stderr


def stderr(text):
    """Writes to spark-submit's stderr: it joins the Python driver's own stderr to its stdout."""
    err = SparkContext.getOrCreate()._jvm.System.err
    err.print(text)
    err.flush()


def checked(step, results):
    """The steps' stdouts; padan's stderr is shown, and the first failure ends the merge."""
    stderr("".join(err for _, _, err in results))
    code = next((code for code, _, _ in results if code != 0), 0)
    if code != 0:
        stderr(f"padan_spark: padan spark {step} failed (exit status {code})\n")
        sys.exit(2 if code == 2 else 1)
    return [out for _, out, _ in results]


def driver(step, args, threads=None):
    """One padan step on the driver; its stdout."""
    return checked(step, [run([step, *args], threads)])[0]


def tasks(sc, step, args, common):
    """`padan spark STEP ... ARGS` for each of `args` (a list of arguments), one single-threaded
    Spark task each."""
    jobs = [[step, *common, *a] for a in args]
    rdd = sc.parallelize(jobs, max(1, len(jobs)))
    checked(step, rdd.map(lambda job: run(job, threads=1)).collect())


def parts(work, folder):
    """The Parquet files Spark wrote in W's `folder`."""
    return sorted(glob.glob(os.path.join(work, folder, "*.parquet")))


def uri(work, folder):
    """W's `folder` as Spark must name it: local (or mounted) files, not the default file system."""
    return "file://" + os.path.join(work, folder)


def chunk_bytes(a):
    """`padan spark sources`' chunk size, when --chunk-mb gives one."""
    return ["--chunk-bytes", str(a.chunk_mb << 20)] if a.chunk_mb else []


def merge(spark, a, work, lap):
    """Steps 1 to 11 of the step interface; the exit status of finish."""
    sc = spark.sparkContext
    # Tasks may run on other machines, in other folders: they get the configuration's absolute
    # path. The driver's steps run here and get it as given, so that their messages and
    # summary.json name the files as padan run names them.
    common = ["--config", os.path.abspath(a.config), "--work", work]
    here = ["--config", a.config, "--work", work]
    partitions = a.partitions or max(2, 4 * sc.defaultParallelism)
    # Spark's default of 200 partitions per shuffle is for large clusters: P suits this job.
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    # A --work folder used before must not mix an earlier run's files into this one's (Spark
    # replaces blocks and by_record itself).
    for folder in ("prepared", "keyed", "pairs", "candidates", "scored"):
        shutil.rmtree(os.path.join(work, folder), ignore_errors=True)

    listed = json.loads(driver("sources", ["--config", a.config, *chunk_bytes(a)]))
    # A large export is prepared in chunks, each a task: padan says how many.
    chunks = [
        ["--source", name, "--chunk", str(i), "--chunks", str(n)]
        for name, n in zip(listed["sources"], listed["chunks"])
        for i in range(n)
    ]
    tasks(sc, "prepare", chunks, common)
    lap("prepare")
    driver("plan", here, threads=0)
    lap("plan")
    tasks(sc, "keys", chunks, common)
    lap("keys")
    # The records sharing a blocking key of a rule, in one file: the blocks compared together.
    blocks = spark.read.parquet(uri(work, "keyed")).repartition(partitions, "rule", "key")
    blocks.write.mode("overwrite").parquet(uri(work, "blocks"))
    lap("shuffle")
    tasks(sc, "compare", [["--part", p] for p in parts(work, "blocks")], common)
    lap("compare")
    driver("sampling", here)
    # Every copy of a pair (one per partition whose rules found it) in one file: by its first record.
    pairs = spark.read.option("pathGlobFilter", "*.parquet").parquet(uri(work, "pairs"))
    pairs.repartition(partitions, "a").write.mode("overwrite").parquet(uri(work, "by_record"))
    lap("shuffle_pairs")
    tasks(sc, "unique", [["--part", p] for p in parts(work, "by_record")], common)
    lap("unique")
    driver("model", here)
    lap("model")
    tasks(sc, "weigh", [["--part", p] for p in parts(work, "candidates")], common)
    lap("weigh")
    given = [("--out", a.out), ("--decisions", a.decisions)]
    passed = [x for flag, value in given if value for x in (flag, value)]
    # Its stdout and stderr are ours: the run's summary and errors, as `padan run` shows them.
    finish = subprocess.run(
        [padan_binary(), "spark", "finish", *here, *passed, "--threads", "0"],
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    stderr(finish.stderr)
    lap("finish")
    return finish.returncode if finish.returncode >= 0 else 1


def main():
    p = argparse.ArgumentParser(description="padan's merge on Apache Spark (run by spark-submit)")
    p.add_argument("--config", required=True, help="padan.toml, as for padan run")
    p.add_argument("--out", help="the register store (default: the config's [run] out)")
    p.add_argument("--work", help="the steps' folder, kept (default: a temporary one by config)")
    p.add_argument("--partitions", type=int, help="files per shuffle (default: 4 a core)")
    p.add_argument("--decisions", help="analysts' decisions, as for padan run")
    p.add_argument("--chunk-mb", type=int, help="export megabytes per prepare task (default 64)")
    p.add_argument("--keep-work", action="store_true", help="keep the temporary work folder")
    p.add_argument("--timings", help="write the seconds of each step here, as JSON")
    a = p.parse_args()

    start = time.monotonic()
    # Spark's INFO lines and progress bars would bury padan's own messages on stderr.
    spark = (
        SparkSession.builder.appName("padan")
        .config("spark.log.level", "WARN")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    if a.work:
        work = os.path.abspath(a.work)
        os.makedirs(work, mode=0o700, exist_ok=True)
    else:
        # By the store rather than in /tmp: it holds personal data (mkdtemp makes it 0700).
        config_dir = os.path.dirname(os.path.abspath(a.config))
        work = tempfile.mkdtemp(prefix=".padan-spark-", dir=config_dir)
    times, last = {}, time.monotonic()

    def lap(step):
        nonlocal last
        now = time.monotonic()
        times[step], last = round(now - last, 3), now

    try:
        code = merge(spark, a, work, lap)
    finally:
        if not a.work and not a.keep_work:
            shutil.rmtree(work, ignore_errors=True)
        elif not a.work:
            stderr(f"padan_spark: work folder kept: {work}\n")
        spark.stop()
    # The whole job, Spark's start and stop included.
    times["total"] = round(time.monotonic() - start, 3)
    if a.timings:
        with open(a.timings, "w") as f:
            json.dump(times, f)
    sys.exit(code)


if __name__ == "__main__":
    main()
