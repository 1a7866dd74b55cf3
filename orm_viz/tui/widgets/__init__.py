"""One widget per file, each rendering one view of a :class:`~orm_viz.tui.state.ViewState`."""

from orm_viz.tui.widgets.execution_table import ExecutionTable
from orm_viz.tui.widgets.flow_diagram import FlowDiagram
from orm_viz.tui.widgets.key_moments import KeyMomentsPanel
from orm_viz.tui.widgets.query_detail import QueryDetail
from orm_viz.tui.widgets.quiz_panel import QuizPanel
from orm_viz.tui.widgets.snapshot_panel import SnapshotPanel
from orm_viz.tui.widgets.source_view import SourceView
from orm_viz.tui.widgets.status_line import StatusLine
from orm_viz.tui.widgets.task_lanes import TaskLanes
from orm_viz.tui.widgets.transcript_view import TranscriptView
from orm_viz.tui.widgets.variable_tracker import VariableTracker

__all__ = [
    "ExecutionTable",
    "FlowDiagram",
    "KeyMomentsPanel",
    "QueryDetail",
    "QuizPanel",
    "SnapshotPanel",
    "SourceView",
    "StatusLine",
    "TaskLanes",
    "TranscriptView",
    "VariableTracker",
]
