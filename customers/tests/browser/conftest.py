from o2o_site.browser_testing import *  # noqa: F401,F403
