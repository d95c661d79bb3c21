"""The plan and the funnel as files to keep (PNG, PDF); imaging libraries load only when one is drawn."""
from .chart import funnel_png
from .document import plan_pdf
from .fonts import drawable, font_paths
from .picture import plan_png
from .sheet import PlanSheet, plan_sheet

__all__ = ["PlanSheet", "plan_sheet", "plan_png", "plan_pdf", "funnel_png", "font_paths", "drawable"]
