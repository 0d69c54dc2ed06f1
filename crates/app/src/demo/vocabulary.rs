//! The demo's vocabulary: where firms sit, what they are called, what they make and prove.

use peitao_domain::CategoryCode;

/// Out-of-province counties suppliers also come from: Henan, Hunan, Anhui, Chongqing, Jiangsu,
/// Shanghai, Zhejiang, Guangdong.
pub(super) const OUTSIDE: [&str; 9] = [
    "411302", "410105", "430104", "340104", "500112", "320505", "310115", "330206", "440305",
];

/// The demo's named lead enterprises, fictional firms in the clusters of the policy paper:
/// (name, chain, park code). Larger scales add generated ones.
pub(super) const LEADS: [(&str, &str, &str); 12] = [
    ("东岳商用车有限公司", "automotive", "shiyan_etdz"),
    ("汉江新能源汽车有限公司", "automotive", "xiangyang_hitech"),
    ("襄阳华驰汽车动力有限公司", "automotive", "xiangyang_etdz"),
    ("武汉楚天乘用车有限公司", "automotive", "wuhan_etdz"),
    (
        "光谷星河光纤光缆有限公司",
        "optoelectronics",
        "wuhan_east_lake_hitech",
    ),
    (
        "光谷华芯显示科技有限公司",
        "optoelectronics",
        "wuhan_east_lake_hitech",
    ),
    ("仙桃洁护非织造材料有限公司", "textiles", "xiantao_hitech"),
    ("荆州江汉纺织服装有限公司", "textiles", "jingzhou_hitech"),
    ("潜江虾乡食品有限公司", "agrofood", "qianjiang_hitech"),
    ("宜都三峡磷化工有限公司", "chemicals", "yidu_hitech_park"),
    (
        "黄冈本草生物医药有限公司",
        "biomedicine",
        "huanggang_hitech",
    ),
    (
        "武汉临空装备制造有限公司",
        "equipment",
        "wuhan_linkonggang_etdz",
    ),
];

/// Park administrators the demo creates: (e-mail local part, park code).
pub const DEMO_PARK_ADMINS: [(&str, &str); 3] = [
    ("park.xiangyang", "xiangyang_hitech"),
    ("park.eastlake", "wuhan_east_lake_hitech"),
    ("park.xiantao", "xiantao_hitech"),
];

pub(super) const WORDS: [&str; 24] = [
    "恒达", "华通", "金泰", "鑫源", "众诚", "瑞丰", "宏远", "天成", "永固", "博创", "长江", "楚天",
    "荆楚", "汉江", "新锐", "精工", "捷顺", "佳和", "盛世", "广源", "凯瑞", "联合", "振华", "安泰",
];
pub(super) const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "胡",
];
pub(super) const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰",
];

pub(super) fn trade(chain: &str) -> &'static str {
    match chain {
        "automotive" => "汽车零部件",
        "optoelectronics" => "光电科技",
        "textiles" => "纺织",
        "agrofood" => "食品",
        "biomedicine" => "生物科技",
        "chemicals" => "化工",
        "metallurgy" => "金属材料",
        "building_materials" => "建材",
        _ => "机械",
    }
}

pub(super) fn processes(chain: &str) -> &'static [&'static str] {
    match chain {
        "automotive" => &[
            "stamping",
            "welding",
            "machining",
            "die_casting",
            "injection_moulding",
            "painting",
            "assembly",
        ],
        "optoelectronics" => &[
            "fibre_drawing",
            "cabling",
            "smt",
            "coating",
            "packaging",
            "testing",
        ],
        "textiles" => &[
            "spinning", "weaving", "knitting", "dyeing", "nonwoven", "sewing",
        ],
        "agrofood" => &[
            "slaughtering",
            "freezing",
            "milling",
            "fermentation",
            "packing",
        ],
        "biomedicine" => &[
            "synthesis",
            "formulation",
            "sterilisation",
            "filling",
            "moulding",
        ],
        "chemicals" => &["reaction", "distillation", "granulation", "compounding"],
        _ => &[
            "machining",
            "casting",
            "forging",
            "welding",
            "heat_treatment",
            "assembly",
        ],
    }
}

pub(super) fn certification_kinds(chain: &str) -> &'static [(&'static str, f64)] {
    match chain {
        "automotive" => &[("ISO9001", 0.9), ("IATF16949", 0.7), ("ISO14001", 0.4)],
        "optoelectronics" => &[("ISO9001", 0.9), ("ISO14001", 0.5), ("TL9000", 0.2)],
        "textiles" => &[("ISO9001", 0.8), ("OEKO-TEX100", 0.4), ("ISO13485", 0.2)],
        "agrofood" => &[("ISO22000", 0.6), ("HACCP", 0.5), ("ISO9001", 0.6)],
        "biomedicine" => &[("ISO13485", 0.6), ("GMP", 0.5), ("ISO9001", 0.7)],
        "chemicals" => &[("ISO9001", 0.8), ("ISO14001", 0.6), ("ISO45001", 0.4)],
        _ => &[("ISO9001", 0.85), ("ISO14001", 0.4)],
    }
}

/// The unit and capacity range of a category, from its branch of the taxonomy.
pub(super) fn unit_and_range(code: &CategoryCode) -> (&'static str, u64, u64, u64) {
    let text = code.as_str();
    if text.starts_with("equip.") {
        ("sets", 50, 5_000, 10)
    } else if ["metal.", "chem.", "bmat.", "food.", "tex.fiber", "tex.yarn"]
        .iter()
        .any(|prefix| text.starts_with(prefix))
    {
        ("t", 500, 200_000, 100)
    } else {
        ("pcs", 20_000, 2_000_000, 1_000)
    }
}
