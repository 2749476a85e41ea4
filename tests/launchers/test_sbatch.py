"""sbatch scripts: exact golden texts, option rendering and refused values."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from xpm.core import ValidationError
from xpm.launchers import (
    ArraySpec,
    SlurmOptions,
    parse_sbatch_output,
    render_sbatch_script,
    sbatch_command,
    slurm_time,
)

FOLDER = PurePosixPath("/ws/jobs/pkg.Train/4f2a")
RUN = ["python", "-m", "xpm.scheduler._run", str(FOLDER)]


def test_minimal_script() -> None:
    """Without options, only name, folder and output files are set."""
    assert render_sbatch_script(
        options=SlurmOptions(), job_name="pkg.Train", job_folder=FOLDER, command=RUN
    ) == (
        "#!/bin/bash\n"
        "#SBATCH --job-name=pkg.Train\n"
        "#SBATCH --chdir=/ws/jobs/pkg.Train/4f2a\n"
        "#SBATCH --output=/ws/jobs/pkg.Train/4f2a/slurm-%j.out\n"
        "#SBATCH --error=/ws/jobs/pkg.Train/4f2a/slurm-%j.err\n"
        "\n"
        "# Written by xpm: this job's folder holds its parameters and results.\n"
        "exec python -m xpm.scheduler._run /ws/jobs/pkg.Train/4f2a\n"
    )


def test_every_option_dependencies_and_array() -> None:
    """All options render in a fixed order, then extra, dependencies and the array."""
    options = SlurmOptions(
        nodes=1,
        time=slurm_time(2 * 86400 + 3600),
        account="proj",
        qos="normal",
        partition="gpu",
        constraint="a100|v100",
        mem="64G",
        exclude="node[01-02]",
        mem_per_gpu="16G",
        cpus_per_task=8,
        nodelist="node03",
        ntasks_per_node=1,
        gpus=4,
        gpus_per_node="a100:4",
        extra=("--signal=B:USR1@60", "--requeue"),
    )
    assert render_sbatch_script(
        options=options,
        job_name="train model",
        job_folder=PurePosixPath("/data/my jobs/x"),
        command=["python", "-c", "print('hi there')"],
        dependencies=["12", "13_4"],
        array=ArraySpec((0, 1, 2, 3, 7, 9, 10), throttle=2),
    ) == (
        "#!/bin/bash\n"
        '#SBATCH --job-name="train model"\n'
        '#SBATCH --chdir="/data/my jobs/x"\n'
        '#SBATCH --output="/data/my jobs/x/slurm-%A_%a.out"\n'
        '#SBATCH --error="/data/my jobs/x/slurm-%A_%a.err"\n'
        "#SBATCH --nodes=1\n"
        "#SBATCH --time=2-01:00:00\n"
        "#SBATCH --account=proj\n"
        "#SBATCH --qos=normal\n"
        "#SBATCH --partition=gpu\n"
        "#SBATCH --constraint=a100|v100\n"
        "#SBATCH --mem=64G\n"
        "#SBATCH --exclude=node[01-02]\n"
        "#SBATCH --mem-per-gpu=16G\n"
        "#SBATCH --cpus-per-task=8\n"
        "#SBATCH --nodelist=node03\n"
        "#SBATCH --ntasks-per-node=1\n"
        "#SBATCH --gpus=4\n"
        "#SBATCH --gpus-per-node=a100:4\n"
        "#SBATCH --signal=B:USR1@60\n"
        "#SBATCH --requeue\n"
        "#SBATCH --dependency=afterok:12:13_4\n"
        "#SBATCH --array=0-3,7,9-10%2\n"
        "\n"
        "# Written by xpm: this job's folder holds its parameters and results.\n"
        "exec python -c 'print('\"'\"'hi there'\"'\"')'\n"
    )


def test_options_as_command_line_arguments() -> None:
    """arguments() gives the same options for an sbatch or srun command line."""
    options = SlurmOptions(partition="cpu", cpus_per_task=2, extra=("--exclusive",))
    assert options.arguments() == [
        "--partition=cpu",
        "--cpus-per-task=2",
        "--exclusive",
    ]


@pytest.mark.parametrize(
    ("indices", "throttle", "text"),
    [
        ((5,), None, "5"),
        ((3, 1, 2, 2), None, "1-3"),
        ((0, 2, 4), 1, "0,2,4%1"),
        ((0, 1, 5, 6, 7, 9), None, "0-1,5-7,9"),
    ],
)
def test_array_spec_compresses_ranges(
    indices: tuple[int, ...], throttle: int | None, text: str
) -> None:
    """Indices are sorted, deduplicated and written as ranges."""
    assert str(ArraySpec(indices, throttle)) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0-00:00:00"),
        (59, "0-00:00:59"),
        (5400, "0-01:30:00"),
        (90061, "1-01:01:01"),
    ],
)
def test_slurm_time(seconds: int, text: str) -> None:
    """Durations become D-HH:MM:SS."""
    assert slurm_time(seconds) == text


def test_values_an_sbatch_line_cannot_carry_are_refused() -> None:
    """Line breaks and double quotes would break the #SBATCH line: refused early."""
    with pytest.raises(ValidationError, match="partition"):
        SlurmOptions(partition="gpu\n#SBATCH --qos=high")
    with pytest.raises(ValidationError, match="job_name"):
        render_sbatch_script(
            options=SlurmOptions(), job_name='say "hi"', job_folder=FOLDER, command=RUN
        )
    with pytest.raises(ValidationError, match="extra"):
        SlurmOptions(extra=("requeue",))


def test_bad_dependencies_empty_command_and_arrays_are_refused() -> None:
    """Dependencies must be job ids; a command and array indices are required."""
    with pytest.raises(ValidationError, match="dependencies"):
        render_sbatch_script(
            options=SlurmOptions(),
            job_name="x",
            job_folder=FOLDER,
            command=RUN,
            dependencies=["12:13"],
        )
    with pytest.raises(ValidationError, match="command"):
        render_sbatch_script(options=SlurmOptions(), job_name="x", job_folder=FOLDER, command=[])
    with pytest.raises(ValidationError):
        ArraySpec(())
    with pytest.raises(ValidationError, match="throttle"):
        ArraySpec((1,), throttle=0)


def test_sbatch_command_and_its_output() -> None:
    """--parsable prints 'id' or 'id;cluster'; anything else gives None."""
    assert sbatch_command(FOLDER / "job.sh") == [
        "sbatch",
        "--parsable",
        "/ws/jobs/pkg.Train/4f2a/job.sh",
    ]
    assert parse_sbatch_output("20\n") == "20"
    assert parse_sbatch_output("4242;cluster2\n") == "4242"
    assert parse_sbatch_output("sbatch: warning: something\n31\n") == "31"
    assert parse_sbatch_output("") is None
