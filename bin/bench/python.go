package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// seedFiles is the seed's Python program (the design atmshop was written
// from), to time its start-up next to ours. It is a faithful, minimal
// transcription of start.py, core.py, settings.py, my_log_settings.py,
// read_ini.py and config.ini as the seed lays them out, with two changes
// only: the quotes are plain ASCII (the seed's text has typographic ones),
// and settings.py and my_log_settings.py build their paths with
// os.path.join instead of Windows backslashes (r'%s\%s'), so that it runs
// here. The imports, the configparser read and the logging set-up
// (logging.config.dictConfig with a console handler and a 5 MB x 5
// RotatingFileHandler, logging "It works!" at start) are the seed's.
//
// Like the seed, it asks "name>>: " first (run is wrapped in @auth) and,
// at the end of input, dies of EOFError with a traceback and status 1.
var seedFiles = map[string]string{
	"bin/start.py": `import sys,os

BASE_DIR=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.append(BASE_DIR)

from core import core
from conf import my_log_settings

if __name__ == '__main__':
    my_log_settings.load_my_logging_cfg()
    core.run()
`,
	"conf/config.ini": `[DEFAULT]
user_timeout = 1000

[egon]
password = 123
money = 10000000

[alex]
password = alex3714
money=10000000000

[yuanhao]
password = ysb123
money=10
`,
	// The seed: config_path=r'%s\%s' %(os.path.dirname(os.path.abspath(__file__)),'config.ini')
	// and user_db_path=r'%s\%s' %(...,'db').
	"conf/settings.py": `import os
config_path=os.path.join(os.path.dirname(os.path.abspath(__file__)),'config.ini')
user_timeout=10
user_db_path=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),'db')
`,
	// The seed: logfile_dir = r'%s\log' %os.path.dirname(...).
	"conf/my_log_settings.py": `"""
logging配置
"""

import os
import logging.config

standard_format = '[%(asctime)s][%(threadName)s:%(thread)d][task_id:%(name)s][%(filename)s:%(lineno)d]' \
                  '[%(levelname)s][%(message)s]'

simple_format = '[%(levelname)s][%(asctime)s][%(filename)s:%(lineno)d]%(message)s'

id_simple_format = '[%(levelname)s][%(asctime)s] %(message)s'

logfile_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'log')

logfile_name = 'all2.log'

if not os.path.isdir(logfile_dir):
    os.mkdir(logfile_dir)

logfile_path = os.path.join(logfile_dir, logfile_name)

LOGGING_DIC = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {
        'standard': {
            'format': standard_format
        },
        'simple': {
            'format': simple_format
        },
    },
    'filters': {},
    'handlers': {
        'console': {
            'level': 'DEBUG',
            'class': 'logging.StreamHandler',
            'formatter': 'simple'
        },
        'default': {
            'level': 'DEBUG',
            'class': 'logging.handlers.RotatingFileHandler',
            'formatter': 'standard',
            'filename': logfile_path,
            'maxBytes': 1024*1024*5,
            'backupCount': 5,
            'encoding': 'utf-8',
        },
    },
    'loggers': {
        '': {
            'handlers': ['default', 'console'],
            'level': 'DEBUG',
            'propagate': True,
        },
    },
}


def load_my_logging_cfg():
    logging.config.dictConfig(LOGGING_DIC)
    logger = logging.getLogger(__name__)
    logger.info('It works!')

if __name__ == '__main__':
    load_my_logging_cfg()
`,
	"core/core.py": `import logging
import time
from conf import settings
from lib import read_ini

config=read_ini.read(settings.config_path)
logger=logging.getLogger(__name__)

current_user={'user':None,'login_time':None,'timeout':int(settings.user_timeout)}
def auth(func):
    def wrapper(*args,**kwargs):
        if current_user['user']:
            interval=time.time()-current_user['login_time']
            if interval < current_user['timeout']:
                return func(*args,**kwargs)
        name = input('name>>: ')
        password = input('password>>: ')
        if config.has_section(name):
            if password == config.get(name,'password'):
                logger.info('登录成功')
                current_user['user']=name
                current_user['login_time']=time.time()
                return func(*args,**kwargs)
        else:
            logger.error('用户名不存在')

    return wrapper

@auth
def buy():
    print('buy...')

@auth
def run():

    print('''
购物
查看余额
转账
    ''')
    while True:
        choice = input('>>: ').strip()
        if not choice:continue
        if choice == '1':
            buy()



if __name__ == '__main__':
    run()
`,
	"lib/read_ini.py": `import configparser
def read(config_file):
    config=configparser.ConfigParser()
    config.read(config_file)
    return config
`,
}

// writeSeed lays the seed's Python program out in dir, with empty db/ and
// log/ folders as in the seed.
func writeSeed(dir string) error {
	for _, d := range []string{"db", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	for name, text := range seedFiles {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// findPython returns the Python interpreter itself, or "" if there is
// none. A version manager's "python3" on PATH may be a shell script that
// picks the interpreter (pyenv's shim costs hundreds of milliseconds per
// start), so the interpreter is asked for its own path and that is timed.
func findPython(ctx context.Context) string {
	names := []string{"python3"}
	if runtime.GOOS == "windows" {
		names = append(names, "python")
	}
	for _, name := range names {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		out, err := command(ctx, "", p, "-c", "import sys; print(sys.executable)")
		if exe := strings.TrimSpace(out); err == nil && exe != "" {
			return exe
		}
		return p
	}
	return ""
}
