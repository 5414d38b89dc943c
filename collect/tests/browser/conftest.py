from o2o_site.browser_testing import *  # noqa: F403
